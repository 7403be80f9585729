using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Hosting;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// A UA behind a simulated NAT: it sends from one loopback socket while its Via, Contact and SDP name a private
/// address. It registers through the edge (add_path_received) with the registrar (save "p2v", nat_uac_test, nat_bflag),
/// then the registrar's nathelper pings it through the edge and a call reaches it the same way; STUN Binding requests
/// to the edge's SIP port are answered.
/// </summary>
public sealed class NatEdgeTests : IDisposable
{
    private const int WaitMs = 15_000;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-nat-" + Guid.NewGuid().ToString("N"));

    public NatEdgeTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Registrar(int port) => $$"""
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        loadmodule "sl.so"
        loadmodule "rr.so"
        loadmodule "sipmsgops.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        loadmodule "nathelper.so"
        modparam("usrloc", "nat_bflag", "NAT")
        modparam("nathelper", "natping_interval", 1)
        modparam("nathelper", "ping_nated_only", 1)
        modparam("nathelper", "sipping_bflag", "SIPPING")
        modparam("nathelper", "sipping_from", "sip:pinger@registrar.example")
        route {
            if (is_method("REGISTER")) {
                if (nat_uac_test("private-contact,diff-ip-src-contact")) {
                    setbflag(NAT);
                    setbflag(SIPPING);
                }
                save("location", "p2v");
                exit;
            }
            if (!lookup("location")) {
                sl_send_reply(404, "Not Found");
                exit;
            }
            forward();
        }
        """;

    private static string Edge(int port, int registrarPort) => $$"""
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        loadmodule "sl.so"
        loadmodule "rr.so"
        loadmodule "path.so"
        loadmodule "sipmsgops.so"
        loadmodule "nathelper.so"
        modparam("path", "use_received", 1)
        route {
            if (is_method("REGISTER")) {
                if (nat_uac_test("private-contact")) {
                    force_rport();
                }
                add_path_received();
                forward("127.0.0.1:{{registrarPort}}");
                exit;
            }
            # requests back from the registrar carry our Path entry as their Route: use_received sets $du
            loose_route();
            forward();
        }
        """;

    [Fact]
    public void UaBehindNatRegistersThroughTheEdgeAndGetsPingsAndCallsThroughIt()
    {
        using ProxyServer registrar = Start(Registrar, out int registrarPort);
        using ProxyServer edge = Start(p => Edge(p, registrarPort), out int edgePort);
        using var ua = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int uaPort = ((IPEndPoint)ua.Client.LocalEndPoint!).Port;
        var edgeEndPoint = new IPEndPoint(IPAddress.Loopback, edgePort);

        // STUN on the edge's SIP port: the UA learns its public (here: loopback) address.
        byte[] stun = Proxy.StunClient.BindingRequest(out byte[] id);
        ua.Send(stun, edgeEndPoint);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, uaPort), Proxy.StunClient.MappedAddress(Receive(ua, b => b.Length > 0 && b[0] == 1), id));

        string register = "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.10:5062;rport;branch=z9hG4bK-reg1\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:ua1@example.com>;tag=r1\r\nTo: <sip:ua1@example.com>\r\nCall-ID: reg-1@192.168.1.10\r\n"
            + "CSeq: 1 REGISTER\r\nContact: <sip:ua1@192.168.1.10:5062>\r\nSupported: path\r\nExpires: 3600\r\nContent-Length: 0\r\n\r\n";
        ua.Send(Encoding.ASCII.GetBytes(register), edgeEndPoint);
        string ok = Text(Receive(ua, b => Text(b).StartsWith("SIP/2.0 ", StringComparison.Ordinal)));
        Assert.StartsWith("SIP/2.0 200 OK\r\n", ok);
        Assert.Contains($"Path: <sip:127.0.0.1:{edgePort};lr;received=sip:127.0.0.1:{uaPort}>", ok);
        Assert.Contains($"Contact: <sip:ua1@192.168.1.10:5062>;expires=3600", ok);

        // The registrar's pinger: an OPTIONS through the edge to the NAT binding; the UA answers it.
        string ping = Text(Receive(ua, b => Text(b).StartsWith("OPTIONS ", StringComparison.Ordinal)));
        Assert.StartsWith("OPTIONS sip:ua1@192.168.1.10:5062 SIP/2.0\r\n", ping);
        Assert.Contains("From: <sip:pinger@registrar.example>;tag=", ping);
        ua.Send(Encoding.ASCII.GetBytes(Answer(ping, "200 OK")), edgeEndPoint);
        Assert.True(SpinWait.SpinUntil(() => Interlocked.Read(ref registrar.Catalog.Nathelper.Pinger!.Stats.Answered) > 0, WaitMs),
            "the registrar never saw the answer to its ping");

        // A call for ua1 from a peer of the registrar reaches the UA through the edge, and its answer goes back.
        using var caller = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int callerPort = ((IPEndPoint)caller.Client.LocalEndPoint!).Port;
        string invite = $"INVITE sip:ua1@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{callerPort};branch=z9hG4bK-inv1\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:bob@example.com>;tag=b1\r\nTo: <sip:ua1@example.com>\r\nCall-ID: call-1@example.com\r\n"
            + $"CSeq: 1 INVITE\r\nContact: <sip:bob@127.0.0.1:{callerPort}>\r\nContent-Length: 0\r\n\r\n";
        caller.Send(Encoding.ASCII.GetBytes(invite), new IPEndPoint(IPAddress.Loopback, registrarPort));
        string received = Text(Receive(ua, b => Text(b).StartsWith("INVITE ", StringComparison.Ordinal)));
        Assert.StartsWith("INVITE sip:ua1@192.168.1.10:5062 SIP/2.0\r\n", received);
        Assert.Contains($"Via: SIP/2.0/UDP 127.0.0.1:{edgePort};branch=", received);
        ua.Send(Encoding.ASCII.GetBytes(Answer(received, "486 Busy Here")), edgeEndPoint);
        Assert.StartsWith("SIP/2.0 486 Busy Here\r\n", Text(Receive(caller, b => Text(b).StartsWith("SIP/2.0 486", StringComparison.Ordinal))));
    }

    private static string OutboundRegistrar(int port) => $$"""
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        loadmodule "sl.so"
        loadmodule "rr.so"
        loadmodule "sipmsgops.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        loadmodule "nathelper.so"
        modparam("registrar", "outbound_mode", 1)
        modparam("registrar", "flow_timer", 25)
        modparam("nathelper", "natping_interval", 1)
        modparam("nathelper", "ping_threshold", 2)
        modparam("nathelper", "max_pings_lost", 2)
        modparam("nathelper", "sipping_bflag", "SIPPING")
        modparam("nathelper", "remove_on_timeout_bflag", "RM")
        modparam("nathelper", "sipping_from", "sip:pinger@registrar.example")
        route {
            if (is_method("REGISTER")) {
                setbflag(SIPPING);
                setbflag(RM);
                save("location", "p2");
                exit;
            }
            if (!lookup("location")) {
                sl_send_reply(404, "Not Found");
                exit;
            }
            forward();
        }
        """;

    private static string OutboundEdge(int port, int registrarPort) => $$"""
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        loadmodule "sl.so"
        loadmodule "rr.so"
        loadmodule "path.so"
        loadmodule "sipmsgops.so"
        loadmodule "outbound.so"
        modparam("outbound", "flow_timeout", 2)
        route {
            if (is_method("REGISTER")) {
                add_path();
                forward("127.0.0.1:{{registrarPort}}");
                exit;
            }
            loose_route();
            if (!forward()) {
                sl_reply_error();
            }
        }
        """;

    [Fact]
    public void TwoOutboundFlowsOfOneInstanceWhenOneDiesCallsTakeTheOther()
    {
        using ProxyServer registrar = Start(OutboundRegistrar, out int registrarPort);
        using ProxyServer edge = Start(p => OutboundEdge(p, registrarPort), out int edgePort);
        var edgeEndPoint = new IPEndPoint(IPAddress.Loopback, edgePort);
        using var flowA = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var flowB = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        string pathB;
        try
        {
            string okA = RegisterFlow(flowA, edgeEndPoint, 1, 5062);
            string okB = RegisterFlow(flowB, edgeEndPoint, 2, 5064);
            foreach (string ok in new[] { okA, okB })
            {
                Assert.StartsWith("SIP/2.0 200 OK\r\n", ok);
                Assert.Contains("\r\nRequire: outbound\r\n", ok);
                Assert.Contains("\r\nFlow-Timer: 25\r\n", ok);
            }

            pathB = okB.Split("\r\n").Single(l => l.StartsWith("Path: ", StringComparison.Ordinal))[6..];
            Assert.Matches($"^<sip:[0-9a-f]{{32}}@127\\.0\\.0\\.1:{edgePort};lr;ob>$", pathB);
        }
        finally
        {
            flowB.Dispose(); // flow B dies: nothing more from it, nothing read on it
        }

        // Flow A stays alive (STUN keep-alives to the edge, answers to the registrar's pings) until the registrar
        // has dropped flow B, whose pings go unanswered (430 from the edge once it considers the flow dead).
        NatPingerStats(registrar, out Func<long> removed);
        long deadline = Environment.TickCount64 + WaitMs;
        flowA.Client.ReceiveTimeout = 200;
        while (removed() == 0 && Environment.TickCount64 < deadline)
        {
            flowA.Send(Proxy.StunClient.BindingRequest(out _), edgeEndPoint);
            AnswerPings(flowA, edgeEndPoint);
        }

        Assert.True(removed() > 0, "the registrar never removed the dead flow");

        // A request for the dead flow at the edge: 430 Flow Failed.
        using var caller = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int callerPort = ((IPEndPoint)caller.Client.LocalEndPoint!).Port;
        string direct = Invite(callerPort, "call-0@example.com", "sip:ua1@192.168.1.10:5064", "Route: " + pathB + "\r\n");
        caller.Send(Encoding.ASCII.GetBytes(direct), edgeEndPoint);
        Assert.StartsWith("SIP/2.0 430 Flow Failed\r\n", Text(Receive(caller, b => Text(b).StartsWith("SIP/2.0 4", StringComparison.Ordinal))));

        // A call for the AoR goes down flow A (which keeps itself alive and answers the pings meanwhile).
        flowA.Send(Proxy.StunClient.BindingRequest(out _), edgeEndPoint);
        caller.Send(Encoding.ASCII.GetBytes(Invite(callerPort, "call-1@example.com", "sip:ua1@example.com", "")), new IPEndPoint(IPAddress.Loopback, registrarPort));
        string invite = Text(Receive(flowA, b =>
        {
            string text = Text(b);
            if (text.StartsWith("OPTIONS ", StringComparison.Ordinal))
            {
                flowA.Send(Encoding.ASCII.GetBytes(Answer(text, "200 OK")), edgeEndPoint);
            }

            return text.StartsWith("INVITE ", StringComparison.Ordinal);
        }));
        Assert.StartsWith("INVITE sip:ua1@192.168.1.10:5062;ob SIP/2.0\r\n", invite);
    }

    private static void NatPingerStats(ProxyServer registrar, out Func<long> removed)
    {
        Modules.Nathelper.NatPinger pinger = registrar.Catalog.Nathelper.Pinger!;
        removed = () => Interlocked.Read(ref pinger.Stats.Removed);
    }

    private static string Invite(int callerPort, string callId, string requestUri, string route) =>
        $"INVITE {requestUri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{callerPort};branch=z9hG4bK-{callId}\r\n{route}"
        + "Max-Forwards: 70\r\nFrom: <sip:bob@example.com>;tag=b1\r\nTo: <sip:ua1@example.com>\r\n"
        + $"Call-ID: {callId}\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@127.0.0.1:{callerPort}>\r\nContent-Length: 0\r\n\r\n";

    /// <summary>Answers every OPTIONS that arrives on the flow within one receive timeout.</summary>
    private static void AnswerPings(UdpClient flow, IPEndPoint edge)
    {
        try
        {
            IPEndPoint? from = null;
            byte[] datagram = flow.Receive(ref from);
            string text = Text(datagram);
            if (text.StartsWith("OPTIONS ", StringComparison.Ordinal))
            {
                flow.Send(Encoding.ASCII.GetBytes(Answer(text, "200 OK")), edge);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
        }
    }

    /// <summary>REGISTER of one outbound flow (reg-id) of ua1's single instance through the edge; the 200 OK.</summary>
    private static string RegisterFlow(UdpClient flow, IPEndPoint edge, int regId, int contactPort)
    {
        string register = $"REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.10:{contactPort};rport;branch=z9hG4bK-reg{regId}\r\n"
            + $"Max-Forwards: 70\r\nFrom: <sip:ua1@example.com>;tag=r{regId}\r\nTo: <sip:ua1@example.com>\r\nCall-ID: reg-{regId}@192.168.1.10\r\n"
            + $"CSeq: 1 REGISTER\r\nContact: <sip:ua1@192.168.1.10:{contactPort};ob>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\";reg-id={regId}\r\n"
            + "Supported: outbound, path\r\nExpires: 3600\r\nContent-Length: 0\r\n\r\n";
        flow.Send(Encoding.ASCII.GetBytes(register), edge);
        return Text(Receive(flow, b => Text(b).StartsWith("SIP/2.0 ", StringComparison.Ordinal)));
    }

    /// <summary>A response to <paramref name="request"/> with its Via, From, To, Call-ID and CSeq (a UA's answer).</summary>
    private static string Answer(string request, string status)
    {
        var sb = new StringBuilder("SIP/2.0 ").Append(status).Append("\r\n");
        foreach (string line in request.Split("\r\n"))
        {
            if (line.Length == 0)
            {
                break;
            }

            if (line.StartsWith("Via:", StringComparison.OrdinalIgnoreCase) || line.StartsWith("From:", StringComparison.OrdinalIgnoreCase)
                || line.StartsWith("Call-ID:", StringComparison.OrdinalIgnoreCase) || line.StartsWith("CSeq:", StringComparison.OrdinalIgnoreCase))
            {
                sb.Append(line).Append("\r\n");
            }
            else if (line.StartsWith("To:", StringComparison.OrdinalIgnoreCase))
            {
                sb.Append(line).Append(";tag=ua\r\n");
            }
        }

        return sb.Append("Content-Length: 0\r\n\r\n").ToString();
    }

    private static string Text(byte[] bytes) => Encoding.ASCII.GetString(bytes);

    /// <summary>The next datagram that <paramref name="wanted"/> accepts (others are skipped), within the bound.</summary>
    private static byte[] Receive(UdpClient socket, Func<byte[], bool> wanted)
    {
        long deadline = Environment.TickCount64 + WaitMs;
        socket.Client.ReceiveTimeout = 500;
        while (Environment.TickCount64 < deadline)
        {
            IPEndPoint? from = null;
            try
            {
                byte[] datagram = socket.Receive(ref from);
                if (wanted(datagram))
                {
                    return datagram;
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
            }
        }

        Assert.Fail("nothing expected arrived within " + WaitMs + " ms");
        return [];
    }

    private ProxyServer Start(Func<int, string> script, out int port)
    {
        for (int attempt = 0; ; attempt++)
        {
            port = PeerProcess.FreeUdpPort();
            string file = Path.Combine(_dir, "hp-" + port + ".cfg");
            File.WriteAllText(file, script(port));
            var options = ServerOptions.From([], null, null, null, 16, file, Path.Combine(_dir, "data-" + port), "error", "none");
            try
            {
                return ProxyServer.Start(options);
            }
            catch (TransportException) when (attempt < 20)
            {
            }
        }
    }
}
