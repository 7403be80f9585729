using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Tests.Shared;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// is_registered(), is_contact_registered(), is_ip_registered() and remove() on a location table shared on Redis do
/// not hold up the worker either: the request is parked while its record is fetched (and a removal's compare-and-set
/// answered) and runs again from the start of its route, as lookup() and save() do. The stop line counts each request
/// parked and run again; a route that removes twice finds each removal's own answer.
/// </summary>
public sealed class SharedLocationQueryTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-shared-query-" + Guid.NewGuid().ToString("N"));

    public SharedLocationQueryTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Func<int, string> Script(string url) => port => $$"""
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        loadmodule "sl.so"
        loadmodule "sipmsgops.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        loadmodule "cachedb_redis.so"
        modparam("usrloc", "cluster_mode", "full-sharing-cachedb")
        modparam("usrloc", "cachedb_url", "{{url}}")
        modparam("cachedb_redis", "query_timeout", 10000)
        route {
            if (is_method("REGISTER")) {
                save("location");
                exit;
            }
            if (is_method("OPTIONS")) {
                if (is_registered("location")) {
                    sl_send_reply(200, "Registered");
                    exit;
                }
                sl_send_reply(404, "Not Registered");
                exit;
            }
            if (is_method("INFO")) {
                if (is_contact_registered("location", "$fu", "$ru")) {
                    sl_send_reply(200, "Contact Registered");
                    exit;
                }
                sl_send_reply(404, "Contact Not Registered");
                exit;
            }
            if (is_method("SUBSCRIBE")) {
                if (is_ip_registered("location", "$fu", "127.0.0.1")) {
                    sl_send_reply(200, "IP Registered");
                    exit;
                }
                sl_send_reply(404, "IP Not Registered");
                exit;
            }
            if (is_method("NOTIFY")) {
                remove("location", "$fu", "sip:u1@127.0.0.1:5001");
                remove("location", "$fu", "$ru");
                sl_send_reply(200, "Removed Two");
                exit;
            }
            if (is_method("PUBLISH")) {
                if (remove("location", "$fu")) {
                    sl_send_reply(200, "Removed All");
                    exit;
                }
                sl_send_reply(500, "Not Removed");
                exit;
            }
            sl_send_reply(405, "Method Not Allowed");
        }
        """;

    private static string Request(string method, int user, string requestUri, string id) =>
        $"{method} {requestUri} SIP/2.0\r\n"
        + $"Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-{id}\r\n"
        + $"From: <sip:u{user}@127.0.0.1>;tag=f{id}\r\n"
        + $"To: <sip:u{user}@127.0.0.1>\r\n"
        + $"Call-ID: {id}@test\r\n"
        + $"CSeq: 1 {method}\r\n"
        + (method == "NOTIFY" ? "Event: presence\r\nSubscription-State: active\r\n" : string.Empty)
        + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

    private static string RegisterTwo(int user) =>
        $"REGISTER sip:127.0.0.1 SIP/2.0\r\n"
        + $"Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-two{user}\r\n"
        + $"From: <sip:u{user}@127.0.0.1>;tag=t{user}\r\n"
        + $"To: <sip:u{user}@127.0.0.1>\r\n"
        + $"Call-ID: two-{user}@test\r\n"
        + "CSeq: 1 REGISTER\r\n"
        + $"Contact: <sip:u{user}@127.0.0.1:5001>, <sip:u{user}@127.0.0.1:5002>\r\n"
        + "Expires: 3600\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

    /// <summary>One request, one answer: the receive timeout (30 s) is longer than any wait here, so nothing is sent twice
    /// and each request is parked exactly once in the counters.</summary>
    private static string Ask(UdpClient ua, IPEndPoint target, string request)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(request);
        ua.Send(bytes, bytes.Length, target);
        IPEndPoint? from = null;
        return Encoding.ASCII.GetString(ua.Receive(ref from));
    }

    [Fact]
    public void TheQueryFunctionsAndRemoveParkTheRequestInsteadOfWaitingAndAnswerFromTheSharedTable()
    {
        using RedisServer redis = RedisServer.Start();
        using ServerProcess node = ServerProcess.StartScript(Script(redis.Url), _dir, durability: null);
        using var ua = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        ua.Client.ReceiveTimeout = 30_000;
        var target = new IPEndPoint(IPAddress.Loopback, node.Port);

        Assert.StartsWith("SIP/2.0 200 OK", Ask(ua, target, RegisterTwo(1)), StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 200 Registered", Ask(ua, target, Request("OPTIONS", 1, "sip:127.0.0.1", "o1")), StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 404 Not Registered", Ask(ua, target, Request("OPTIONS", 2, "sip:127.0.0.1", "o2")), StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 200 Contact Registered",
            Ask(ua, target, Request("INFO", 1, "sip:u1@127.0.0.1:5002", "i1")), StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 404 Contact Not Registered",
            Ask(ua, target, Request("INFO", 1, "sip:u1@127.0.0.1:5009", "i2")), StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 200 IP Registered", Ask(ua, target, Request("SUBSCRIBE", 1, "sip:127.0.0.1", "s1")), StringComparison.Ordinal);

        // Two removals in one route, each parked at its fetch and at its compare-and-set: both bindings go, the key with them.
        Assert.StartsWith("SIP/2.0 200 Removed Two", Ask(ua, target, Request("NOTIFY", 1, "sip:u1@127.0.0.1:5002", "n1")), StringComparison.Ordinal);
        Assert.Equal("0", redis.Command("DBSIZE"));
        Assert.StartsWith("SIP/2.0 404 Not Registered", Ask(ua, target, Request("OPTIONS", 1, "sip:127.0.0.1", "o3")), StringComparison.Ordinal);

        // remove() without a filter: every binding of the AoR.
        Assert.StartsWith("SIP/2.0 200 OK", Ask(ua, target, RegisterTwo(3)), StringComparison.Ordinal);
        Assert.Equal("1", redis.Command("DBSIZE"));
        Assert.StartsWith("SIP/2.0 200 Removed All", Ask(ua, target, Request("PUBLISH", 3, "sip:127.0.0.1", "p3")), StringComparison.Ordinal);
        Assert.Equal("0", redis.Command("DBSIZE"));

        // Every one of the ten requests waited parked (none on the worker), and ran again once.
        Assert.Equal(0, node.Terminate(10_000));
        Assert.Contains("parked for the location store 10, run again 10, parking full 0", node.Output, StringComparison.Ordinal);
    }
    private static Func<int, string> FailureRouteScript(string url, int busyPort) => port => $$"""
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        loadmodule "tm.so"
        loadmodule "sl.so"
        loadmodule "sipmsgops.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        loadmodule "cachedb_redis.so"
        modparam("usrloc", "cluster_mode", "full-sharing-cachedb")
        modparam("usrloc", "cachedb_url", "{{url}}")
        modparam("cachedb_redis", "query_timeout", 10000)
        route {
            if (is_method("REGISTER")) {
                save("location");
                exit;
            }
            if (is_method("ACK")) {
                t_relay();
                exit;
            }
            t_on_failure("registered");
            $du = "sip:127.0.0.1:{{busyPort}}";
            t_relay();
        }
        failure_route[registered] {
            if (lookup("location")) {
                t_relay();
                exit;
            }
            t_reply(404, "Not Found After Busy");
        }
        """;

    /// <summary>A 486 to <paramref name="request"/>, its Via, From, To (with a tag), Call-ID and CSeq copied.</summary>
    private static string Busy(string request)
    {
        var reply = new StringBuilder("SIP/2.0 486 Busy Here\r\n");
        foreach (string line in request.Split("\r\n"))
        {
            if (line.StartsWith("Via:", StringComparison.OrdinalIgnoreCase) || line.StartsWith("From:", StringComparison.OrdinalIgnoreCase)
                || line.StartsWith("Call-ID:", StringComparison.OrdinalIgnoreCase) || line.StartsWith("CSeq:", StringComparison.OrdinalIgnoreCase))
            {
                reply.Append(line).Append("\r\n");
            }
            else if (line.StartsWith("To:", StringComparison.OrdinalIgnoreCase))
            {
                reply.Append(line).Append(";tag=busy\r\n");
            }
        }

        return reply.Append("Content-Length: 0\r\n\r\n").ToString();
    }

    [Fact]
    public void ALookupInAFailureRouteWaitsForItsRecordAndRoutesInsteadOfEndingTheRoute()
    {
        // A failure_route cannot be parked and run again (its trigger is a reply): lookup() there waits for Redis on the
        // worker (bounded by query_timeout). It used to suspend as in a request route, which ended the route: the 486
        // went upstream and the registered contact never got the request.
        using RedisServer redis = RedisServer.Start();
        using var busy = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var contact = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var caller = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        foreach (UdpClient c in new[] { busy, contact, caller })
        {
            c.Client.ReceiveTimeout = 30_000;
        }

        int busyPort = ((IPEndPoint)busy.Client.LocalEndPoint!).Port;
        int contactPort = ((IPEndPoint)contact.Client.LocalEndPoint!).Port;
        using ServerProcess node = ServerProcess.StartScript(FailureRouteScript(redis.Url, busyPort), _dir, durability: null);
        var target = new IPEndPoint(IPAddress.Loopback, node.Port);

        string register = $"REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-fr1\r\n"
            + "From: <sip:u7@127.0.0.1>;tag=r7\r\nTo: <sip:u7@127.0.0.1>\r\nCall-ID: fr-reg@test\r\nCSeq: 1 REGISTER\r\n"
            + $"Contact: <sip:u7@127.0.0.1:{contactPort}>\r\nExpires: 600\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        Assert.StartsWith("SIP/2.0 200 OK", Ask(caller, target, register), StringComparison.Ordinal);

        byte[] message = Encoding.ASCII.GetBytes(Request("MESSAGE", 7, "sip:u7@127.0.0.1", "fr2").Replace("From: <sip:u7@", "From: <sip:caller@", StringComparison.Ordinal));
        caller.Send(message, message.Length, target);

        // The first hop is busy: the failure route looks u7 up and relays to the registered contact.
        IPEndPoint? from = null;
        string first = Encoding.ASCII.GetString(busy.Receive(ref from));
        Assert.StartsWith("MESSAGE ", first, StringComparison.Ordinal);
        byte[] reply = Encoding.ASCII.GetBytes(Busy(first));
        busy.Send(reply, reply.Length, from);

        string delivered = Encoding.ASCII.GetString(contact.Receive(ref from));
        Assert.StartsWith($"MESSAGE sip:u7@127.0.0.1:{contactPort}", delivered, StringComparison.Ordinal);
    }
}
