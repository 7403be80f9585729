using System.Net;
using System.Text.RegularExpressions;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// RFC 5626 outbound over TCP against the real servers: a Hyperproxy edge (UDP + TCP, the outbound module, add_path())
/// in front of a Hyperproxy registrar (outbound_mode 1, tm). One UA instance holds two flows to the edge: flow 1 over
/// UDP (reg-id 1) and flow 2 over TCP (reg-id 2, registered last, so the newest). While the TCP connection lives,
/// requests for flow 2 go down it and CRLF keep-alives on it are answered; once it is closed the edge answers 430 Flow
/// Failed (it never opens a new connection to the NAT'ed address), and a call for the AoR reaches the UA over flow 1:
/// the registrar's tm takes the 430 of the first flow as the cue to try the instance's next flow (§5.3).
/// </summary>
public sealed partial class OutboundFlowTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    private const string Instance = "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>";

    [Fact]
    public async Task WhenTheTcpFlowDiesTheEdgeAnswers430AndTheCallTakesTheUdpFlow()
    {
        string folder = SippRun.NewWorkFolder();
        try
        {
            string registrarConfig = Path.Combine(folder, "registrar.cfg");
            await File.WriteAllTextAsync(registrarConfig, """
                log_level = 2
                loadmodule "tm.so"
                loadmodule "sl.so"
                loadmodule "rr.so"
                loadmodule "sipmsgops.so"
                loadmodule "usrloc.so"
                loadmodule "registrar.so"
                modparam("registrar", "outbound_mode", 1)
                modparam("registrar", "flow_timer", 25)
                route {
                    if (is_method("REGISTER")) {
                        save("location", "p2");
                        exit;
                    }
                    if (!lookup("location")) {
                        sl_send_reply(404, "Not Found");
                        exit;
                    }
                    t_relay();
                }
                """);
            await using HyperproxyProcess registrar = await HyperproxyProcess.StartOnFreePortAsync(port => Task.FromResult<IReadOnlyList<string>?>(
                ["--listen", $"udp:127.0.0.1:{port}", "--config", registrarConfig, "--data-dir", Path.Combine(folder, "registrar-data")]));
            string edgeConfig = Path.Combine(folder, "edge.cfg");
            await File.WriteAllTextAsync(edgeConfig, $$"""
                log_level = 2
                loadmodule "proto_tcp.so"
                loadmodule "sl.so"
                loadmodule "rr.so"
                loadmodule "path.so"
                loadmodule "sipmsgops.so"
                loadmodule "outbound.so"
                route {
                    if (is_method("REGISTER")) {
                        add_path();
                        forward("udp:127.0.0.1:{{registrar.Port}}");
                        exit;
                    }
                    loose_route();
                    if (!forward()) {
                        sl_reply_error();
                    }
                }
                """);
            await using HyperproxyProcess edge = await HyperproxyProcess.StartOnFreePortAsync(port => Task.FromResult<IReadOnlyList<string>?>(
                ["--listen", $"udp:127.0.0.1:{port}", "--listen", $"tcp:127.0.0.1:{port}", "--config", edgeConfig, "--data-dir", Path.Combine(folder, "edge-data")]));
            var edgeEndPoint = new IPEndPoint(IPAddress.Loopback, edge.Port);

            // Flow 1: UDP, reg-id 1.
            using UdpPeer udpFlow = UdpPeer.V4();
            udpFlow.Send(Register(1, "UDP", udpFlow.SentBy), edgeEndPoint);
            string udpOk = await udpFlow.ExpectAsync("the 200 OK of flow 1");
            Assert.Equal(200, SipText.StatusCode(udpOk));

            // Flow 2: TCP, reg-id 2 (registered last: the instance's newest flow).
            TcpSipClient tcpFlow = await TcpSipClient.ConnectAsync(edgeEndPoint);
            string pathB;
            await using (tcpFlow)
            {
                await tcpFlow.SendAsync(Register(2, "TCP", tcpFlow.SentBy));
                string? tcpOk = await tcpFlow.ReceiveAsync(s_bound);
                Assert.NotNull(tcpOk);
                Assert.Equal(200, SipText.StatusCode(tcpOk));
                Assert.Equal("outbound", SipText.Header(tcpOk, "Require"));
                Assert.Equal("25", SipText.Header(tcpOk, "Flow-Timer"));
                pathB = SipText.Header(tcpOk, "Path");
                // The TCP flow's token also names its connection (24 bytes in hex); two entries, UDP and TCP side.
                Assert.Matches($"^<sip:([0-9a-f]{{48}})@127\\.0\\.0\\.1:{edge.Port};r2=on;lr;ob>,<sip:\\1@127\\.0\\.0\\.1:{edge.Port};transport=tcp;r2=on;lr;ob>$", pathB);
                Assert.Matches("<sip:[0-9a-f]{32}@127\\.0\\.0\\.1", SipText.Header(udpOk, "Path"));

                // RFC 5626 §3.5.1 / §4.4.1: a CRLFCRLF ping on the flow is answered with a CRLF pong.
                await tcpFlow.SendAsync("\r\n\r\n");
                Assert.Equal("\r\n"u8.ToArray(), await tcpFlow.ReceiveRawAsync(2, s_bound));

                // While the connection lives, a request routed to flow 2 arrives on it.
                using UdpPeer probe = UdpPeer.V4();
                probe.Send(Probe(probe, pathB), edgeEndPoint);
                string? onFlow = await tcpFlow.ReceiveAsync(s_bound);
                Assert.NotNull(onFlow);
                Assert.StartsWith("OPTIONS sip:ua1@192.168.1.10:5064;transport=tcp;ob SIP/2.0\r\n", onFlow, StringComparison.Ordinal);
            }

            // The connection is closed: the edge answers 430 Flow Failed for flow 2 (asked again until it has seen the close).
            using (UdpPeer probe = UdpPeer.V4())
            {
                string? failed = null;
                long deadline = Environment.TickCount64 + (long)s_bound.TotalMilliseconds;
                while (failed is null && Environment.TickCount64 < deadline)
                {
                    probe.Send(Probe(probe, pathB), edgeEndPoint);
                    (string Text, IPEndPoint From)? got = await probe.ReceiveAsync(TimeSpan.FromMilliseconds(500));
                    if (got is { } g && SipText.StatusCode(g.Text) == 430)
                    {
                        failed = g.Text;
                    }
                }

                Assert.NotNull(failed);
                Assert.Equal("SIP/2.0 430 Flow Failed", SipText.StartLine(failed));
            }

            // A call for the AoR: the registrar sends it down flow 2 first (the newest), gets 430 from the edge, and
            // sends it down flow 1; the UA answers there and the caller gets the 200.
            using UdpPeer caller = UdpPeer.V4();
            string callId = SipText.NewCallId();
            caller.Send(SipText.Request("INVITE", "sip:ua1@example.com", caller, SipText.NewBranch(), callId,
                extraHeaders: $"Contact: <sip:bob@{caller.SentBy}>\r\n"), new IPEndPoint(IPAddress.Loopback, registrar.Port));
            string invite = await ExpectRequestAsync(udpFlow, "INVITE");
            Assert.StartsWith("INVITE sip:ua1@192.168.1.10:5062;ob SIP/2.0\r\n", invite, StringComparison.Ordinal);
            Assert.Equal(callId, SipText.Header(invite, "Call-ID"));
            udpFlow.Send(SipText.ResponseTo(invite, 200, "OK"), edgeEndPoint);
            string final = await ExpectFinalAsync(caller);
            Assert.Equal(200, SipText.StatusCode(final));

            string edgeLog = await edge.StopAndReadLogAsync();
            Assert.Contains("connected 0, connect failures 0", edgeLog, StringComparison.Ordinal); // never a new connection to the UA
            Assert.Matches(FlowsFailed(), edgeLog);
            string registrarLog = await registrar.StopAndReadLogAsync();
            Assert.Contains("flow retries 1", registrarLog, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// The registrar as the first hop (no edge): a TCP flow registered directly is kept as its connection; lookup() sends
    /// down it while it lives, and once it is closed the registrar never connects to the UA's address but sends the
    /// request down the instance's other flow (UDP) at once.
    /// </summary>
    [Fact]
    public async Task ARegistrarKeepsADirectTcpFlowsConnectionAndUsesTheOtherFlowOnceItIsClosed()
    {
        string folder = SippRun.NewWorkFolder();
        try
        {
            string config = Path.Combine(folder, "registrar.cfg");
            await File.WriteAllTextAsync(config, """
                log_level = 2
                loadmodule "proto_tcp.so"
                loadmodule "tm.so"
                loadmodule "sl.so"
                loadmodule "rr.so"
                loadmodule "sipmsgops.so"
                loadmodule "usrloc.so"
                loadmodule "registrar.so"
                modparam("registrar", "outbound_mode", 1)
                modparam("registrar", "flow_timer", 25)
                route {
                    if (is_method("REGISTER")) {
                        save("location");
                        exit;
                    }
                    if (!lookup("location")) {
                        sl_send_reply(404, "Not Found");
                        exit;
                    }
                    t_relay();
                }
                """);
            await using HyperproxyProcess registrar = await HyperproxyProcess.StartOnFreePortAsync(port => Task.FromResult<IReadOnlyList<string>?>(
                ["--listen", $"udp:127.0.0.1:{port}", "--listen", $"tcp:127.0.0.1:{port}", "--config", config, "--data-dir", Path.Combine(folder, "registrar-data")]));
            var registrarEndPoint = new IPEndPoint(IPAddress.Loopback, registrar.Port);
            using UdpPeer udpFlow = UdpPeer.V4();
            udpFlow.Send(Register(1, "UDP", udpFlow.SentBy), registrarEndPoint);
            Assert.Equal(200, SipText.StatusCode(await udpFlow.ExpectAsync("the 200 OK of flow 1")));
            using UdpPeer caller = UdpPeer.V4();
            TcpSipClient tcpFlow = await TcpSipClient.ConnectAsync(registrarEndPoint);
            await using (tcpFlow)
            {
                await tcpFlow.SendAsync(Register(2, "TCP", tcpFlow.SentBy));
                string? ok = await tcpFlow.ReceiveAsync(s_bound);
                Assert.NotNull(ok);
                Assert.Equal(200, SipText.StatusCode(ok));
                Assert.Equal("25", SipText.Header(ok, "Flow-Timer"));

                // The newest flow is the TCP connection: the request goes down it, whatever the Contact says.
                caller.Send(SipText.Request("MESSAGE", "sip:ua1@example.com", caller, SipText.NewBranch(), SipText.NewCallId()), registrarEndPoint);
                string? message = await tcpFlow.ReceiveAsync(s_bound);
                Assert.NotNull(message);
                Assert.StartsWith("MESSAGE sip:ua1@192.168.1.10:5064;transport=tcp;ob SIP/2.0\r\n", message, StringComparison.Ordinal);
                await tcpFlow.SendAsync(SipText.ResponseTo(message, 200, "OK"));
                Assert.Equal(200, SipText.StatusCode(await ExpectFinalAsync(caller)));
            }

            // Closed: the next request goes down the UDP flow (asked again until the registrar has seen the close).
            string? onUdp = null;
            long deadline = Environment.TickCount64 + (long)s_bound.TotalMilliseconds;
            while (onUdp is null && Environment.TickCount64 < deadline)
            {
                caller.Send(SipText.Request("MESSAGE", "sip:ua1@example.com", caller, SipText.NewBranch(), SipText.NewCallId()), registrarEndPoint);
                (string Text, IPEndPoint From)? got = await udpFlow.ReceiveAsync(TimeSpan.FromMilliseconds(500));
                if (got is { } g && g.Text.StartsWith("MESSAGE ", StringComparison.Ordinal))
                {
                    onUdp = g.Text;
                }
            }

            Assert.NotNull(onUdp);
            Assert.StartsWith("MESSAGE sip:ua1@192.168.1.10:5062;ob SIP/2.0\r\n", onUdp, StringComparison.Ordinal);
            string log = await registrar.StopAndReadLogAsync();
            Assert.True(log.Contains("connected 0, connect failures 0", StringComparison.Ordinal), log);
            Assert.Matches(FlowsFailed(), log);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>REGISTER of one outbound flow of ua1's instance, as the UA sends it on that flow (one Via: the edge is its first hop).</summary>
    private static string Register(int regId, string transport, string sentBy)
    {
        string uriTransport = transport == "UDP" ? "" : ";transport=tcp";
        int contactPort = 5060 + (2 * regId);
        return $"REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/{transport} {sentBy};rport;branch={SipText.NewBranch()}\r\n"
            + $"Max-Forwards: 70\r\nFrom: <sip:ua1@example.com>;tag=r{regId}\r\nTo: <sip:ua1@example.com>\r\nCall-ID: reg-{regId}@192.168.1.10\r\n"
            + $"CSeq: 1 REGISTER\r\nContact: <sip:ua1@192.168.1.10:{contactPort}{uriTransport};ob>;+sip.instance=\"{Instance}\";reg-id={regId}\r\n"
            + "Supported: outbound, path\r\nExpires: 3600\r\nContent-Length: 0\r\n\r\n";
    }

    /// <summary>An OPTIONS routed to flow 2 (its Path entry as the Route), as the registrar would send it.</summary>
    private static string Probe(UdpPeer from, string path) =>
        SipText.Request("OPTIONS", "sip:ua1@192.168.1.10:5064;transport=tcp;ob", from, SipText.NewBranch(), SipText.NewCallId(),
            extraHeaders: $"Route: {path}\r\n");

    private static async Task<string> ExpectRequestAsync(UdpPeer peer, string method)
    {
        long deadline = Environment.TickCount64 + (long)s_bound.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            (string Text, IPEndPoint From)? got = await peer.ReceiveAsync(TimeSpan.FromMilliseconds(500));
            if (got is { } g && g.Text.StartsWith(method + " ", StringComparison.Ordinal))
            {
                return g.Text;
            }
        }

        Assert.Fail($"no {method} arrived on {peer.SentBy}");
        return "";
    }

    private static async Task<string> ExpectFinalAsync(UdpPeer peer)
    {
        long deadline = Environment.TickCount64 + (long)s_bound.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            (string Text, IPEndPoint From)? got = await peer.ReceiveAsync(TimeSpan.FromMilliseconds(500));
            if (got is { } g && g.Text.StartsWith("SIP/2.0 ", StringComparison.Ordinal) && SipText.StatusCode(g.Text) >= 200)
            {
                return g.Text;
            }
        }

        Assert.Fail($"no final reply arrived on {peer.SentBy}");
        return "";
    }

    [GeneratedRegex("flows failed [1-9]")]
    private static partial Regex FlowsFailed();
}
