using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Tests.Shared;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// Two Hyperproxy registrar processes sharing one location table on a real redis-server (usrloc
/// cluster_mode "full-sharing-cachedb"): a binding saved on one node is delivered by the other, removed by
/// either, counted once when both save one AoR at once; with Redis down REGISTER gets 500 + Retry-After and
/// lookup fails at once with the script's reply.
/// </summary>
public sealed class SharedLocationProcessTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-shared-loc-" + Guid.NewGuid().ToString("N"));

    public SharedLocationProcessTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Func<int, string> Script(string url, int maxContacts = 0) => port => $$"""
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        loadmodule "sl.so"
        loadmodule "sipmsgops.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        loadmodule "cachedb_redis.so"
        modparam("usrloc", "cluster_mode", "full-sharing-cachedb")
        modparam("usrloc", "cachedb_url", "{{url}}")
        modparam("cachedb_redis", "query_timeout", 1000)
        modparam("registrar", "max_contacts", {{maxContacts}})
        route {
            if (is_method("REGISTER")) {
                save("location");
                exit;
            }
            if (is_method("ACK")) {
                exit;
            }
            if (is_method("OPTIONS")) {
                sl_send_reply(200, "OK");
                exit;
            }
            lookup("location");
            switch ($retcode) {
                case 1:
                    forward();
                    exit;
                case -3:
                    sl_send_reply(503, "Location Store Unavailable");
                    exit;
                default:
                    sl_send_reply(404, "Not Found");
                    exit;
            }
        }
        """;

    private ServerProcess StartNode(string url, int maxContacts = 0) =>
        ServerProcess.StartScript(Script(url, maxContacts), _dir, durability: null);

    private static string Register(int user, int contactPort, int expires, string callId, int cseq) =>
        $"REGISTER sip:127.0.0.1 SIP/2.0\r\n"
        + $"Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-{callId}-{cseq}\r\n"
        + $"From: <sip:u{user}@127.0.0.1>;tag=t{user}\r\n"
        + $"To: <sip:u{user}@127.0.0.1>\r\n"
        + $"Call-ID: {callId}@test\r\n"
        + $"CSeq: {cseq} REGISTER\r\n"
        + $"Contact: <sip:u{user}@127.0.0.1:{contactPort}>;expires={expires}\r\n"
        + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

    private static string Message(int user, string id) =>
        $"MESSAGE sip:u{user}@127.0.0.1 SIP/2.0\r\n"
        + $"Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-m{id}\r\n"
        + $"From: <sip:caller@127.0.0.1>;tag=c{id}\r\n"
        + $"To: <sip:u{user}@127.0.0.1>\r\n"
        + $"Call-ID: msg-{id}@test\r\n"
        + "CSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

    private static UdpClient Client()
    {
        var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = 3000;
        return client;
    }

    private static int PortOf(UdpClient c) => ((IPEndPoint)c.Client.LocalEndPoint!).Port;

    private static string Receive(UdpClient client)
    {
        IPEndPoint? from = null;
        return Encoding.ASCII.GetString(client.Receive(ref from));
    }

    [Fact]
    public void BindingSavedOnOneNodeIsDeliveredByTheOtherAndRemovedByEither()
    {
        using RedisServer redis = RedisServer.Start();
        using ServerProcess nodeA = StartNode(redis.Url);
        using ServerProcess nodeB = StartNode(redis.Url);
        using UdpClient ua = Client();
        using UdpClient caller = Client();
        var a = new IPEndPoint(IPAddress.Loopback, nodeA.Port);
        var b = new IPEndPoint(IPAddress.Loopback, nodeB.Port);

        string reply = RegisterClient.Exchange(ua, a, Register(1, PortOf(ua), 600, "reg1", 1));
        Assert.StartsWith("SIP/2.0 200 OK", reply, StringComparison.Ordinal);

        // The MESSAGE sent to node B reaches the contact registered through node A.
        byte[] message = Encoding.ASCII.GetBytes(Message(1, "1"));
        caller.Send(message, message.Length, b);
        string delivered = Receive(ua);
        Assert.StartsWith("MESSAGE sip:u1@127.0.0.1:" + PortOf(ua), delivered, StringComparison.Ordinal);

        // De-registered through node B: node A no longer finds it.
        reply = RegisterClient.Exchange(ua, b, Register(1, PortOf(ua), 0, "reg1", 2));
        Assert.StartsWith("SIP/2.0 200 OK", reply, StringComparison.Ordinal);
        reply = RegisterClient.Exchange(caller, a, Message(1, "2"));
        Assert.StartsWith("SIP/2.0 404 Not Found", reply, StringComparison.Ordinal);
        Assert.Equal("0", redis.Command("DBSIZE"));

        // Node B did not wait on its worker: the MESSAGE (lookup) and the de-REGISTER (save) were parked and run again once Redis answered.
        Assert.Equal(0, nodeB.Terminate(10_000));
        Assert.Contains("parked for the location store 2, run again 2, parking full 0", nodeB.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void LookupWhoseFetchOutlivesQueryTimeoutGetsTheScriptsReplyAndTheNodeRecovers()
    {
        using RedisServer redis = RedisServer.Start();
        using ServerProcess node = StartNode(redis.Url);
        using UdpClient ua = Client();
        using UdpClient caller = Client();
        var target = new IPEndPoint(IPAddress.Loopback, node.Port);
        Assert.StartsWith("SIP/2.0 200 OK", RegisterClient.Exchange(ua, target, Register(4, PortOf(ua), 600, "r4", 1)), StringComparison.Ordinal);

        // Redis stops answering (the connection stays up): the parked MESSAGE fails after query_timeout (1 s).
        redis.Pause();
        try
        {
            byte[] message = Encoding.ASCII.GetBytes(Message(4, "p"));
            caller.Send(message, message.Length, target);
            Assert.StartsWith("SIP/2.0 503 Location Store Unavailable", Receive(caller), StringComparison.Ordinal);
        }
        finally
        {
            redis.Continue();
        }

        RedisServer.WaitFor(() =>
        {
            byte[] again = Encoding.ASCII.GetBytes(Message(4, "q" + Environment.TickCount64));
            caller.Send(again, again.Length, target);
            try
            {
                return Receive(ua).StartsWith("MESSAGE sip:u4@", StringComparison.Ordinal);
            }
            catch (SocketException)
            {
                return false;
            }
        }, "delivery once Redis answers again");
    }

    [Fact]
    public void MoreLookupsParkedThanOneWorkerTurnCarriesAllGetTheirAnswer()
    {
        // Redis stopped while more lookups park than one worker turn can send replies for (64 here): when Redis
        // answers, every fetch is in at once; the lookups a turn cannot carry must keep their answers for the next
        // turn (they were once dropped with the answers and waited for traffic that never came).
        const int Lookups = 200;
        using RedisServer redis = RedisServer.Start();
        using ServerProcess node = StartNode(redis.Url);
        using UdpClient ua = Client();
        using UdpClient caller = Client();
        caller.Client.ReceiveBufferSize = 4 << 20;
        caller.Client.ReceiveTimeout = 15_000;
        var target = new IPEndPoint(IPAddress.Loopback, node.Port);
        Assert.StartsWith("SIP/2.0 200 OK", RegisterClient.Exchange(ua, target, Register(1, PortOf(ua), 600, "r1", 1)), StringComparison.Ordinal);

        redis.Pause();
        try
        {
            for (int i = 0; i < Lookups; i++)
            {
                byte[] message = Encoding.ASCII.GetBytes(Message(1000 + i, "x" + i));
                caller.Send(message, message.Length, target);
            }

            // The single worker answers an OPTIONS at once: past it, every MESSAGE before it is parked.
            byte[] mark = Encoding.ASCII.GetBytes(Message(1, "mark").Replace("MESSAGE", "OPTIONS", StringComparison.Ordinal));
            caller.Send(mark, mark.Length, target);
            Assert.StartsWith("SIP/2.0 200 OK", Receive(caller), StringComparison.Ordinal);
        }
        finally
        {
            redis.Continue();
        }

        // Each gets 404 (no binding), or 503 if the pause outlived query_timeout on a loaded machine: an answer either way.
        var answered = new HashSet<string>();
        while (answered.Count < Lookups)
        {
            string reply;
            try
            {
                reply = Receive(caller);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                node.Terminate(10_000);
                Assert.Fail($"{answered.Count} of {Lookups} parked lookups answered, then nothing for 15 s\n{node.Output}");
                throw;
            }

            Assert.Matches(@"^SIP/2\.0 (404|503) ", reply);
            answered.Add(reply.Split("Call-ID: ")[1].Split('\r')[0]);
        }

        Assert.Equal(0, node.Terminate(10_000));
        Assert.Contains($"parked for the location store {Lookups + 1}, run again {Lookups + 1}, parking full 0", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ConcurrentRegistersOfOneAorThroughTwoNodesKeepMaxContactsExactly()
    {
        using RedisServer redis = RedisServer.Start();
        const int MaxContacts = 10;
        const int PerNode = 12;
        using ServerProcess nodeA = StartNode(redis.Url, MaxContacts);
        using ServerProcess nodeB = StartNode(redis.Url, MaxContacts);
        var accepted = new int[2];
        var refused = new int[2];
        var threads = new Thread[2];
        for (int n = 0; n < 2; n++)
        {
            int node = n;
            var target = new IPEndPoint(IPAddress.Loopback, node == 0 ? nodeA.Port : nodeB.Port);
            threads[n] = new Thread(() =>
            {
                using UdpClient client = Client();
                for (int i = 0; i < PerNode; i++)
                {
                    string reply = RegisterClient.Exchange(client, target, Register(7, 6000 + node * 100 + i, 600, $"n{node}-{i}", 1));
                    if (reply.StartsWith("SIP/2.0 200 OK", StringComparison.Ordinal))
                    {
                        accepted[node]++;
                    }
                    else if (reply.StartsWith("SIP/2.0 503", StringComparison.Ordinal))
                    {
                        refused[node]++;
                    }
                }
            });
            threads[n].Start();
        }

        foreach (Thread t in threads)
        {
            Assert.True(t.Join(TimeSpan.FromSeconds(60)));
        }

        Assert.Equal(MaxContacts, accepted[0] + accepted[1]);
        Assert.Equal(2 * PerNode - MaxContacts, refused[0] + refused[1]);

        // A query through either node lists exactly the accepted contacts, each once.
        using UdpClient ua = Client();
        string query = Register(7, 1, 600, "q", 1).Replace("Contact: <sip:u7@127.0.0.1:1>;expires=600\r\n", "", StringComparison.Ordinal);
        string listed = RegisterClient.Exchange(ua, new IPEndPoint(IPAddress.Loopback, nodeB.Port), query);
        var contacts = System.Text.RegularExpressions.Regex.Matches(listed, "<sip:u7@127\\.0\\.0\\.1:\\d+>").Select(m => m.Value).ToList();
        Assert.Equal(MaxContacts, contacts.Count);
        Assert.Equal(MaxContacts, contacts.Distinct().Count());
    }

    [Fact]
    public void RedisDownAnswersRegisterWith500RetryAfterAndLookupWithTheScriptsReply()
    {
        using RedisServer redis = RedisServer.Start();
        using ServerProcess node = StartNode(redis.Url);
        using UdpClient ua = Client();
        var target = new IPEndPoint(IPAddress.Loopback, node.Port);
        Assert.StartsWith("SIP/2.0 200 OK", RegisterClient.Exchange(ua, target, Register(3, PortOf(ua), 600, "r3", 1)), StringComparison.Ordinal);

        redis.Kill();
        string reply = "";
        RedisServer.WaitFor(() =>
        {
            reply = RegisterClient.Exchange(ua, target, Register(3, PortOf(ua), 600, "r3", 2));
            return !reply.StartsWith("SIP/2.0 200", StringComparison.Ordinal);
        }, "REGISTER to fail with Redis gone");
        Assert.StartsWith("SIP/2.0 500 Server Internal Error", reply, StringComparison.Ordinal);
        Assert.Contains("\r\nRetry-After: 5\r\n", reply, StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 503 Location Store Unavailable", RegisterClient.Exchange(ua, target, Message(3, "x")), StringComparison.Ordinal);

        // Redis back (empty: no persistence): the node reconnects by itself and registers again.
        Assert.True(redis.TryLaunch());
        RedisServer.WaitFor(() => RegisterClient.Exchange(ua, target, Register(3, PortOf(ua), 600, "r3", 3)).StartsWith("SIP/2.0 200 OK", StringComparison.Ordinal),
            "REGISTER to succeed after Redis came back");
        Assert.True(node.WaitForOutput("reconnected", 10_000), node.Output);
    }

    [Fact]
    public void ClusterModeWithoutCachedbRedisIsRefusedAtStartUp()
    {
        string config = Path.Combine(_dir, "bad.cfg");
        File.WriteAllText(config, Script("redis://127.0.0.1:6379/")(7999)
            .Replace("loadmodule \"cachedb_redis.so\"\n", "", StringComparison.Ordinal)
            .Replace("modparam(\"cachedb_redis\", \"query_timeout\", 1000)\n", "", StringComparison.Ordinal));
        using var process = new PeerProcess(Path.Combine(AppContext.BaseDirectory, "hyperproxy"), ["run", "--config", config], _dir);
        Assert.NotEqual(0, process.WaitForExit(30_000));
        Assert.True(process.Output.Contains("needs loadmodule \"cachedb_redis.so\"", StringComparison.Ordinal), process.Output);
    }
}
