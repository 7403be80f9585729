using System.Net;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// The seed scenario over TLS (two real Hyperproxy processes): a UA registers over TLS through the edge, which adds
/// itself to the Path with the UA's source in <c>received</c> (transport tls); the registrar on UDP stores the
/// binding with that Path. A call from a UDP caller to the registrar is sent to the edge with the Path as its Route,
/// and the edge delivers it to the UA over the UA's own TLS connection; the UA's answer goes back the same way.
/// </summary>
public sealed class TlsEdgeRegistrationTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AUaRegisteredOverTlsThroughTheEdgeGetsItsCallsOnItsOwnTlsConnection()
    {
        string folder = SippRun.NewWorkFolder();
        using TestCertificates certs = await TestCertificates.CreateAsync();
        try
        {
            await using HyperproxyProcess registrar = await StartAsync(folder, "registrar", "udp", """
                loadmodule "sl.so"
                loadmodule "rr.so"
                loadmodule "path.so"
                loadmodule "sipmsgops.so"
                loadmodule "usrloc.so"
                loadmodule "registrar.so"
                route {
                    if (has_totag()) {
                        if (loose_route()) {
                            forward();
                        }
                        exit;
                    }
                    if (is_method("REGISTER")) {
                        save("location", "p2v");
                        exit;
                    }
                    if (!lookup("location")) {
                        sl_send_reply(404, "Not Found");
                        exit;
                    }
                    record_route();
                    forward();
                }
                """);
            await using HyperproxyProcess edge = await StartAsync(folder, "edge", "tls", $$"""
                loadmodule "sl.so"
                loadmodule "rr.so"
                loadmodule "path.so"
                loadmodule "sipmsgops.so"
                loadmodule "proto_tls.so"
                loadmodule "tls_openssl.so"
                loadmodule "tls_mgm.so"
                modparam("tls_mgm", "server_domain", "edge")
                modparam("tls_mgm", "certificate", "[edge]{{certs.Certificate}}")
                modparam("tls_mgm", "private_key", "[edge]{{certs.Key}}")
                modparam("tls_mgm", "verify_cert", "[edge]0")
                modparam("tls_mgm", "require_cert", "[edge]0")
                modparam("path", "use_received", 1)
                route {
                    if (is_method("REGISTER")) {
                        add_path_received("Outbound");
                        forward("127.0.0.1:{{registrar.Port}}");
                        exit;
                    }
                    if (has_totag()) {
                        loose_route();
                        forward();
                        exit;
                    }
                    # an initial request back from the registrar: its Route is our Path entry and
                    # use_received has set $du to the UA's TLS source
                    loose_route();
                    record_route();
                    forward();
                }
                """);

            await using TcpSipClient ua = await TcpSipClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, edge.Port), tls: true);
            string contact = "sip:ua1@10.0.0.7:5061;transport=tls"; // a private address: only the connection reaches the UA
            await ua.SendAsync(TlsRequest("REGISTER", $"sip:127.0.0.1:{registrar.Port}", ua, "reg1",
                $"Contact: <{contact}>\r\nSupported: path\r\nExpires: 600\r\n"));
            string? registered = await ua.ReceiveAsync(s_bound);
            Assert.NotNull(registered);
            Assert.True(SipText.StatusCode(registered) == 200, registered + registrar + edge);
            string path = SipText.Header(registered, "Path");
            // The socket changes (TLS in, UDP out): two Path entries (path's enable_double_path), the TLS one with the UA's source.
            Assert.Equal($"<sip:Outbound@127.0.0.1:{edge.Port};r2=on;lr>,<sip:Outbound@127.0.0.1:{edge.Port};transport=tls;r2=on;lr;"
                + $"received=sip:127.0.0.1:{ua.LocalEndPoint.Port}%3btransport%3dtls>", path);

            using UdpPeer caller = UdpPeer.V4();
            string callId = SipText.NewCallId();
            caller.Send(SipText.Request("INVITE", "sip:ua1@127.0.0.1", caller, SipText.NewBranch(), callId,
                extraHeaders: $"Contact: <sip:alice@{caller.SentBy}>\r\n"), new IPEndPoint(IPAddress.Loopback, registrar.Port));

            string? invite = await ua.ReceiveAsync(s_bound);
            Assert.NotNull(invite);
            Assert.Equal($"INVITE {contact} SIP/2.0", SipText.StartLine(invite));
            Assert.Empty(SipText.Headers(invite, "Route"));
            List<string> vias = SipText.Headers(invite, "Via");
            Assert.StartsWith($"SIP/2.0/TLS 127.0.0.1:{edge.Port}", vias[0], StringComparison.OrdinalIgnoreCase);
            Assert.Equal(3, vias.Count);

            await ua.SendAsync(SipText.ResponseTo(invite, 486, "Busy Here"));
            string busy = await caller.ExpectAsync("the 486 relayed back through edge and registrar", s_bound);
            Assert.Equal("SIP/2.0 486 Busy Here", SipText.StartLine(busy));
            Assert.Equal(callId, SipText.Header(busy, "Call-ID"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string TlsRequest(string method, string requestUri, TcpSipClient from, string callId, string extraHeaders) =>
        $"{method} {requestUri} SIP/2.0\r\n"
        + $"Via: SIP/2.0/TLS {from.SentBy};branch={SipText.NewBranch()};rport\r\n"
        + "Max-Forwards: 70\r\n"
        + $"From: <sip:ua1@127.0.0.1>;tag=u{callId}\r\nTo: <sip:ua1@127.0.0.1>\r\n"
        + $"Call-ID: {callId}\r\nCSeq: 1 {method}\r\n"
        + extraHeaders
        + "Content-Length: 0\r\n\r\n";

    /// <summary>A Hyperproxy process with a UDP socket (and a <paramref name="stream"/> one on the same port) running <paramref name="script"/>.</summary>
    private static Task<HyperproxyProcess> StartAsync(string folder, string name, string stream, string script)
    {
        string path = Path.Combine(folder, name + ".cfg");
        File.WriteAllText(path, "log_level = 2\n" + script);
        return HyperproxyProcess.StartOnFreePortAsync(port =>
        {
            var args = new List<string> { "--listen", $"udp:127.0.0.1:{port}" };
            if (stream != "udp")
            {
                args.AddRange(["--listen", $"{stream}:127.0.0.1:{port}"]);
            }

            // a data folder of its own: the default one is shared with every other test server (stale bindings of ua1)
            args.AddRange(["--workers", "2", "--config", path, "--data-dir", Path.Combine(folder, name + "-data")]);
            return Task.FromResult<IReadOnlyList<string>?>(args);
        });
    }
}
