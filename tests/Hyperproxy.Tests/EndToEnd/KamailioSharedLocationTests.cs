using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Tests.Shared;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// The shared-table scenario of <see cref="SharedLocationProcessTests"/> run on Kamailio 5.6 (Debian, usrloc
/// <c>db_mode 3</c> over <c>db_redis</c>, kamailio-redis-modules): two Kamailio nodes on one redis-server, a REGISTER
/// through node A, a MESSAGE sent to node B delivered to the contact, a de-REGISTER through B, and node A then
/// answering 404. It shows the scenario Hyperproxy is held to is what a reference registrar does.
/// db_redis reads its table schemas from the directory Debian installs (<c>/usr/share/kamailio/db_redis/kamailio</c>)
/// and needs the table version row in Redis, which the test writes first.
/// </summary>
public sealed class KamailioSharedLocationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-kam-redis-" + Guid.NewGuid().ToString("N"));

    public KamailioSharedLocationTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Config(int redisPort) => KamailioPeer.ConfigHead + $$"""
        loadmodule "db_redis.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        modparam("db_redis", "schema_path", "/usr/share/kamailio/db_redis/kamailio")
        modparam("db_redis", "keys", "version=entry:table_name;location=entry:ruid&usrdom:username,domain&timer:partition,keepalive")
        modparam("usrloc", "db_url", "redis://127.0.0.1:{{redisPort}}/0")
        modparam("usrloc", "db_mode", 3)

        request_route {
            if (method == "REGISTER") {
                save("location");
                exit;
            }
            if (method == "ACK") {
                exit;
            }
            if (!lookup("location")) {
                sl_send_reply("404", "Not Found");
                exit;
            }
            forward();
        }
        """;

    private static string Register(int user, int contactPort, int expires, string callId, int cseq) =>
        $"REGISTER sip:127.0.0.1 SIP/2.0\r\n"
        + $"Via: SIP/2.0/UDP 127.0.0.1:{contactPort};rport;branch=z9hG4bK-{callId}-{cseq}\r\n"
        + $"From: <sip:u{user}@127.0.0.1>;tag=t{user}\r\n"
        + $"To: <sip:u{user}@127.0.0.1>\r\n"
        + $"Call-ID: {callId}@test\r\n"
        + $"CSeq: {cseq} REGISTER\r\n"
        + $"Contact: <sip:u{user}@127.0.0.1:{contactPort}>;expires={expires}\r\n"
        + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

    private static string Message(int user, int callerPort, string id) =>
        $"MESSAGE sip:u{user}@127.0.0.1 SIP/2.0\r\n"
        + $"Via: SIP/2.0/UDP 127.0.0.1:{callerPort};rport;branch=z9hG4bK-m{id}\r\n"
        + $"From: <sip:caller@127.0.0.1>;tag=c{id}\r\n"
        + $"To: <sip:u{user}@127.0.0.1>\r\n"
        + $"Call-ID: msg-{id}@test\r\n"
        + "CSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

    private static UdpClient Client()
    {
        var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = 5000;
        return client;
    }

    private static int PortOf(UdpClient c) => ((IPEndPoint)c.Client.LocalEndPoint!).Port;

    [Fact]
    public void TwoKamailioNodesOnOneRedisRegisterOnOneAndDeliverFromTheOther()
    {
        using RedisServer redis = RedisServer.Start();
        redis.Command("HSET version:entry::location table_name location table_version 9");
        using KamailioPeer nodeA = KamailioPeer.Start(Config(redis.Port), _dir);
        using KamailioPeer nodeB = KamailioPeer.Start(Config(redis.Port), _dir);
        using UdpClient ua = Client();
        using UdpClient caller = Client();
        var a = new IPEndPoint(IPAddress.Loopback, nodeA.Port);
        var b = new IPEndPoint(IPAddress.Loopback, nodeB.Port);

        string reply = RegisterClient.Exchange(ua, a, Register(1, PortOf(ua), 600, "kreg1", 1));
        Assert.StartsWith("SIP/2.0 200 OK", reply, StringComparison.Ordinal);
        Assert.NotEqual("0", redis.Command("DBSIZE"));

        // The MESSAGE sent to node B reaches the contact registered through node A.
        byte[] message = Encoding.ASCII.GetBytes(Message(1, PortOf(caller), "k1"));
        caller.Send(message, message.Length, b);
        IPEndPoint? from = null;
        string delivered = Encoding.ASCII.GetString(ua.Receive(ref from));
        Assert.StartsWith("MESSAGE sip:u1@127.0.0.1:" + PortOf(ua), delivered, StringComparison.Ordinal);

        // De-registered through node B: node A no longer finds it.
        reply = RegisterClient.Exchange(ua, b, Register(1, PortOf(ua), 0, "kreg1", 2));
        Assert.StartsWith("SIP/2.0 200 OK", reply, StringComparison.Ordinal);
        reply = RegisterClient.Exchange(caller, a, Message(1, PortOf(caller), "k2"));
        Assert.StartsWith("SIP/2.0 404 Not Found", reply, StringComparison.Ordinal);
    }
}
