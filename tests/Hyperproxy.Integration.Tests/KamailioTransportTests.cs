using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using Hyperproxy.Integration.Tests.Infrastructure;
using Hyperproxy.Tests.EndToEnd;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// SIP over TCP and TLS between Hyperproxy and Kamailio 5.6 (with kamailio-tls-modules), both ways: a SIPp
/// caller and callee on UDP, the two proxies chained over the stream transport, both transaction-stateful and
/// record-routing, so INVITE, ACK and BYE all cross the stream hop (each proxy double-record-routes between
/// UDP and the stream). Over TLS each side verifies the other's certificate against the test CA. The
/// callee's trace proves the hop: its INVITE's second Via is the first proxy's <c>SIP/2.0/TCP</c> (or TLS).
/// WebSocket: a WebSocket client (the test) calls through Hyperproxy (WS in, UDP out) and Kamailio to a SIPp callee.
/// </summary>
public sealed class KamailioTransportTests
{
    private const int Calls = 5;
    private const int SippTimeoutSeconds = 30;

    public static TheoryData<string, bool> Cases => new()
    {
        { "tcp", true },
        { "tcp", false },
        { "tls", true },
        { "tls", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task CallsCrossTheStreamHopBetweenKamailioAndHyperproxy(string transport, bool kamailioInFront)
    {
        string folder = SippRun.NewWorkFolder();
        using TestCertificates certs = await TestCertificates.CreateAsync();
        try
        {
            int[] ports = Ports.FreeUdpPorts(2);
            int calleePort = ports[0], callerPort = ports[1];
            int front;
            string calleeTrace;
            SippResult caller, callee;
            if (kamailioInFront)
            {
                await using HyperproxyProcess hyperproxy = await StartHyperproxyAsync(folder, transport, certs, nextHop: null);
                using KamailioPeer kamailio = StartKamailio(folder, transport, certs, nextHop: $"sip:127.0.0.1:{hyperproxy.Port};transport={transport}");
                front = kamailio.Port;
                (caller, callee, calleeTrace) = await RunCallsAsync(folder, front, calleePort, callerPort);
                string context = $"\n=== kamailio\n{Tail(kamailio.Output)}\n=== hyperproxy\n{hyperproxy}";
                AssertCalls(caller, callee, calleeTrace, transport, context);
            }
            else
            {
                // Kamailio listens first so Hyperproxy's script can name its port.
                using KamailioPeer kamailio = StartKamailio(folder, transport, certs, nextHop: null);
                await using HyperproxyProcess hyperproxy = await StartHyperproxyAsync(folder, transport, certs,
                    nextHop: $"sip:127.0.0.1:{kamailio.Port};transport={transport}");
                front = hyperproxy.Port;
                (caller, callee, calleeTrace) = await RunCallsAsync(folder, front, calleePort, callerPort);
                string context = $"\n=== kamailio\n{Tail(kamailio.Output)}\n=== hyperproxy\n{hyperproxy}";
                AssertCalls(caller, callee, calleeTrace, transport, context);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task AWebSocketClientCallsThroughHyperproxyAndKamailioToAUdpCallee()
    {
        string folder = SippRun.NewWorkFolder();
        using TestCertificates certs = await TestCertificates.CreateAsync();
        try
        {
            int calleePort = Ports.FreeUdpPort();
            using KamailioPeer kamailio = StartKamailio(folder, "tcp", certs, nextHop: null);
            await using HyperproxyProcess hyperproxy = await StartHyperproxyAsync(folder, "ws", certs, nextHop: $"sip:127.0.0.1:{kamailio.Port}");
            Task<SippResult> uas = SippRun.RunAsync(folder, "callee", SippTimeoutSeconds,
                "-sf", SippRun.Scenario("Tm/uas-answer.xml"), "-i", "127.0.0.1", "-p", Text(calleePort), "-m", "1",
                "-trace_msg", "-message_file", Path.Combine(folder, "callee.msg"));
            await SippRun.WaitListeningAsync(calleePort, uas);
            string context = "";
            try
            {
                using ClientWebSocket ws = await WebSocketTransportTests.ConnectAsync(hyperproxy.Port);
                const string Host = "df7jal23ls0d.invalid";
                string callId = SipText.NewCallId();
                string target = $"sip:call@127.0.0.1:{calleePort}";
                string common = $"Max-Forwards: 70\r\nFrom: <sip:wsuser@example.com>;tag=ws1\r\nCall-ID: {callId}\r\n";
                await SendAsync(ws, $"INVITE {target} SIP/2.0\r\nVia: SIP/2.0/WS {Host};branch={SipText.NewBranch()}\r\n{common}"
                    + $"To: <{target}>\r\nCSeq: 1 INVITE\r\nContact: <sip:wsuser@{Host};transport=ws>\r\nContent-Length: 0\r\n\r\n");
                string ok = await ReceiveFinalAsync(ws, "INVITE");
                context = "\n=== 200\n" + ok;
                Assert.Equal("SIP/2.0 200 OK", SipText.StartLine(ok));

                // The dialog's route set: the Record-Route of the 200, in order (RFC 3261 §12.1.2).
                var routes = new List<string>();
                foreach (string rr in SipText.Headers(ok, "Record-Route"))
                {
                    routes.AddRange(rr.Split(',', StringSplitOptions.TrimEntries));
                }

                Assert.Contains(routes, r => r.Contains("transport=ws", StringComparison.OrdinalIgnoreCase));
                string contact = SipText.Header(ok, "Contact").Trim('<', '>');
                string inDialog = $"{common}To: {SipText.Header(ok, "To")}\r\nRoute: {string.Join(", ", routes)}\r\n";
                await SendAsync(ws, $"ACK {contact} SIP/2.0\r\nVia: SIP/2.0/WS {Host};branch={SipText.NewBranch()}\r\n{inDialog}CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n");
                await SendAsync(ws, $"BYE {contact} SIP/2.0\r\nVia: SIP/2.0/WS {Host};branch={SipText.NewBranch()}\r\n{inDialog}CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
                string byeOk = await ReceiveFinalAsync(ws, "BYE");
                Assert.Equal("SIP/2.0 200 OK", SipText.StartLine(byeOk));
            }
            finally
            {
                SippResult callee = await uas;
                string calleeTrace = File.Exists(Path.Combine(folder, "callee.msg")) ? await File.ReadAllTextAsync(Path.Combine(folder, "callee.msg")) : "";
                string all = $"=== callee\n{callee}\n=== callee messages\n{Tail(calleeTrace)}{context}\n=== kamailio\n{Tail(kamailio.Output)}\n=== hyperproxy\n{hyperproxy}";
                Assert.True(callee.Run.ExitCode == 0 && callee.Successful == 1, all);
                Assert.Contains("Via: SIP/2.0/WS df7jal23ls0d.invalid", calleeTrace, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Task SendAsync(ClientWebSocket ws, string message) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true,
            new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);

    /// <summary>The first final reply to <paramref name="method"/> (provisionals skipped; at most 20 messages).</summary>
    private static async Task<string> ReceiveFinalAsync(ClientWebSocket ws, string method)
    {
        for (int i = 0; i < 20; i++)
        {
            (string text, _) = await WebSocketTransportTests.ReceiveAsync(ws);
            if (SipText.StatusCode(text) >= 200 && SipText.Header(text, "CSeq").EndsWith(method, StringComparison.Ordinal))
            {
                return text;
            }
        }

        throw new InvalidOperationException($"no final reply to {method} in 20 messages");
    }

    [Fact]
    public async Task ATcpCallerCallsThroughHyperproxyWhichRelaysOverTlsToKamailio()
    {
        string folder = SippRun.NewWorkFolder();
        using TestCertificates certs = await TestCertificates.CreateAsync();
        try
        {
            int[] ports = Ports.FreeUdpPorts(2);
            int calleePort = ports[0], callerPort = ports[1];
            using KamailioPeer kamailio = StartKamailio(folder, "tls", certs, nextHop: null);
            int tcpPort = FreeTcpPort();
            await using HyperproxyProcess hyperproxy = await StartHyperproxyAsync(folder, "tls", certs,
                nextHop: $"sip:127.0.0.1:{kamailio.Port};transport=tls", extraListen: $"tcp:127.0.0.1:{tcpPort}");
            (SippResult caller, SippResult callee, string calleeTrace) = await RunCallsAsync(folder, tcpPort, calleePort, callerPort, "t1");
            AssertCalls(caller, callee, calleeTrace, "tls", $"\n=== kamailio\n{Tail(kamailio.Output)}\n=== hyperproxy\n{hyperproxy}");
            Assert.Contains("Via: SIP/2.0/TCP 127.0.0.1", calleeTrace, StringComparison.Ordinal); // the caller's own Via
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void AssertCalls(SippResult caller, SippResult callee, string calleeTrace, string transport, string context)
    {
        string all = $"=== caller\n{caller}\n=== callee\n{callee}\n=== callee messages\n{Tail(calleeTrace)}{context}";
        Assert.True(caller.Run.ExitCode == 0 && caller.Successful == Calls, "caller\n" + all);
        Assert.True(callee.Run.ExitCode == 0 && callee.Successful == Calls, "callee\n" + all);
        foreach (string step in new[] { "INVITE", "ACK", "BYE" })
        {
            Assert.True(SippScreen.Step(callee.Screen, step).Messages == Calls, $"callee {step}\n{all}");
        }

        // The Via the first proxy added for the stream hop: the callee sees it under the second proxy's UDP one.
        Assert.Contains($"Via: SIP/2.0/{transport.ToUpperInvariant()} 127.0.0.1", calleeTrace, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The callee answers every call; the caller makes <see cref="Calls"/> calls to it through <paramref name="front"/>.</summary>
    private static async Task<(SippResult Caller, SippResult Callee, string CalleeTrace)> RunCallsAsync(string folder, int front, int calleePort, int callerPort,
        string callerTransport = "u1")
    {
        string calleeMessages = Path.Combine(folder, "callee.msg");
        Task<SippResult> uas = SippRun.RunAsync(folder, "callee", SippTimeoutSeconds,
            "-sf", SippRun.Scenario("Tm/uas-answer.xml"), "-i", "127.0.0.1", "-p", Text(calleePort), "-m", Text(Calls),
            "-trace_msg", "-message_file", calleeMessages);
        await SippRun.WaitListeningAsync(calleePort, uas);
        SippResult uac = await SippRun.RunAsync(folder, "caller", SippTimeoutSeconds,
            "-sf", SippRun.Scenario("Tm/uac-call.xml"), "127.0.0.1:" + Text(calleePort),
            "-rsa", "127.0.0.1:" + Text(front), "-s", "call", "-i", "127.0.0.1", "-p", Text(callerPort),
            "-m", Text(Calls), "-r", "10", "-t", callerTransport,
            "-trace_msg", "-message_file", Path.Combine(folder, "caller.msg"));
        SippResult uasResult = await uas;
        return (uac, uasResult, File.Exists(calleeMessages) ? await File.ReadAllTextAsync(calleeMessages) : "");
    }

    /// <summary>
    /// Hyperproxy with UDP and a <paramref name="transport"/> socket on one port, tls_mgm's server domain with the
    /// test certificate and a client domain that verifies peers against the test CA; relays to the Request-URI, or to
    /// <paramref name="nextHop"/> for initial requests.
    /// </summary>
    private static Task<HyperproxyProcess> StartHyperproxyAsync(string folder, string transport, TestCertificates certs, string? nextHop,
        string? extraListen = null)
    {
        string tls = transport != "tls" ? "" : $$"""
            loadmodule "proto_tls.so"
            loadmodule "tls_openssl.so"
            loadmodule "tls_mgm.so"
            modparam("tls_mgm", "server_domain", "edge")
            modparam("tls_mgm", "certificate", "[edge]{{certs.Certificate}}")
            modparam("tls_mgm", "private_key", "[edge]{{certs.Key}}")
            modparam("tls_mgm", "verify_cert", "[edge]0")
            modparam("tls_mgm", "require_cert", "[edge]0")
            modparam("tls_mgm", "client_domain", "out")
            modparam("tls_mgm", "ca_list", "[out]{{certs.CaCertificate}}")
            modparam("tls_mgm", "verify_cert", "[out]1")

            """;
        string script = tls + $$"""
            log_level = 2
            loadmodule "tm.so"
            loadmodule "rr.so"
            loadmodule "sl.so"
            loadmodule "maxfwd.so"
            loadmodule "sipmsgops.so"
            loadmodule "proto_tcp.so"
            {{(transport == "ws" ? "loadmodule \"proto_ws.so\"" : "")}}

            route {
                if (!mf_process_maxfwd_header(10)) {
                    sl_send_reply(483, "Too Many Hops");
                    exit;
                }
                if (is_method("CANCEL")) {
                    if (t_check_trans()) {
                        t_relay();
                    }
                    exit;
                }
                if (has_totag()) {
                    if (loose_route()) {
                        t_relay();
                        exit;
                    }
                    if (is_method("ACK")) {
                        if (t_check_trans()) {
                            t_relay();
                        }
                        exit;
                    }
                    sl_send_reply(404, "Not here");
                    exit;
                }
                t_check_trans();
                if (is_method("INVITE")) {
                    record_route();
                }
                {{(nextHop is null ? "" : $"$du = \"{nextHop}\";")}}
                if (!t_relay()) {
                    sl_reply_error();
                }
                exit;
            }
            """;
        string path = Path.Combine(folder, "hyperproxy.cfg");
        File.WriteAllText(path, script);
        return HyperproxyProcess.StartOnFreePortAsync(port => Task.FromResult<IReadOnlyList<string>?>(
            Ports.IsFree(System.Net.IPAddress.Loopback, port) && TcpFree(port)
                ? ["--listen", $"udp:127.0.0.1:{port}", "--listen", $"{transport}:127.0.0.1:{port}", .. (extraListen is null ? Array.Empty<string>() : ["--listen", extraListen]),
                    "--workers", "2", "--config", path]
                : null));
    }

    /// <summary>
    /// Kamailio 5.6 with UDP and a <paramref name="transport"/> listener on one port (tls.so with the test certificate,
    /// verifying the servers it connects to against the test CA), relaying like Hyperproxy's script does.
    /// </summary>
    private static KamailioPeer StartKamailio(string folder, string transport, TestCertificates certs, string? nextHop)
    {
        string tlsConfig = Path.Combine(folder, "kamailio-tls.cfg");
        File.WriteAllText(tlsConfig, $"""
            [server:default]
            method = TLSv1.2+
            certificate = {certs.Certificate}
            private_key = {certs.Key}
            verify_certificate = no
            require_certificate = no

            [client:default]
            method = TLSv1.2+
            verify_certificate = yes
            require_certificate = yes
            ca_list = {certs.CaCertificate}

            """);
        string tls = transport == "tls" ? "enable_tls=yes\n" : "";
        string tlsModule = transport == "tls" ? $"loadmodule \"tls.so\"\nmodparam(\"tls\", \"config\", \"{tlsConfig}\")\n" : "";
        string config = $$"""
            #!KAMAILIO
            debug=2
            log_stderror=yes
            fork=yes
            children=1
            tcp_children=1
            {{tls}}dns=no
            rev_dns=no
            auto_aliases=no
            listen=udp:127.0.0.1:@PORT@
            listen={{transport}}:127.0.0.1:@PORT@

            mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
            {{tlsModule}}loadmodule "kex.so"
            loadmodule "corex.so"
            loadmodule "pv.so"
            loadmodule "tm.so"
            loadmodule "sl.so"
            loadmodule "rr.so"
            loadmodule "siputils.so"
            loadmodule "maxfwd.so"
            loadmodule "textops.so"
            loadmodule "ctl.so"
            modparam("ctl", "binrpc", "unix:@CTL@")

            request_route {
                if (!mf_process_maxfwd_header("10")) {
                    sl_send_reply("483", "Too Many Hops");
                    exit;
                }
                if (is_method("CANCEL")) {
                    if (t_check_trans()) {
                        t_relay();
                    }
                    exit;
                }
                if (has_totag()) {
                    if (loose_route()) {
                        t_relay();
                        exit;
                    }
                    if (is_method("ACK")) {
                        if (t_check_trans()) {
                            t_relay();
                        }
                        exit;
                    }
                    sl_send_reply("404", "Not here");
                    exit;
                }
                t_check_trans();
                if (is_method("INVITE")) {
                    record_route();
                }
                {{(nextHop is null ? "" : $"$du = \"{nextHop}\";")}}
                if (!t_relay()) {
                    sl_reply_error();
                }
                exit;
            }
            """;
        return KamailioPeer.Start(config, folder);
    }

    private static bool TcpFree(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Tail(string s) => s.Length > 6000 ? s[^6000..] : s;
}
