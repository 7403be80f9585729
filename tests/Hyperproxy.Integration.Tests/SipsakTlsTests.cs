using System.Text.RegularExpressions;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// The real sipsak (0.9.8.1, Debian, GnuTLS) as a TLS peer: it checks the server's certificate against the test CA
/// (<c>--tls-ca-cert</c>), then pings with OPTIONS and registers (usrloc mode) over its TLS connection; the replies
/// come back on that connection.
/// </summary>
/// <remarks>
/// Two sipsak quirks shape the commands. It checks the certificate against the host of <c>-s</c> with the URI's port
/// appended ("localhost:PORT" matches no certificate), so the URI names no port and <c>-r</c> gives it. And over
/// TLS 1.3 it gives up on the first record after its request ("nothing received, select returned error") before the
/// reply is read, so the server domain offers TLS 1.2, the highest version sipsak works with.
/// </remarks>
public sealed class SipsakTlsTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SipsakPingsOverTlsVerifyingTheTestCaAndGets200OnItsConnection()
    {
        string folder = SippRun.NewWorkFolder();
        using TestCertificates certs = await TestCertificates.CreateAsync();
        try
        {
            await using HyperproxyProcess server = await StartAsync(folder, certs);

            ToolResult r = await Sipsak("-vv", "--transport=tls", $"--tls-ca-cert={certs.CaCertificate}", "-s", "sip:localhost", "-r", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

            Assert.True(r.ExitCode == 0, r.ToString() + server);
            Assert.Contains("SIP/2.0 200 OK", r.Output, StringComparison.Ordinal);
            Match via = Regex.Match(r.Output, @"^Via: SIP/2\.0/TLS [^\r\n]*$", RegexOptions.Multiline);
            Assert.True(via.Success, r.ToString());
            Assert.Equal("127.0.0.1", SipText.Param(via.Value, "received"));
            Assert.Matches(new Regex(@"^\d+$"), SipText.Param(via.Value, "rport") ?? "");
            string log = await server.StopAndReadLogAsync();
            Assert.Contains("connections accepted 1,", log, StringComparison.Ordinal);
            Assert.Contains("TLS handshake 0,", log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task SipsakRegistersOverTlsAndTheRegistrarAnswersOnItsConnection()
    {
        string folder = SippRun.NewWorkFolder();
        using TestCertificates certs = await TestCertificates.CreateAsync();
        try
        {
            await using HyperproxyProcess server = await StartAsync(folder, certs);
            string port = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

            // usrloc mode (-U): one REGISTER of alice with sipsak's own address as Contact, which must get a 200.
            ToolResult r = await Sipsak("-vvv", "-U", "--transport=tls", $"--tls-ca-cert={certs.CaCertificate}", "-s", "sip:alice@localhost", "-r", port);

            Assert.True(r.ExitCode == 0, r.ToString() + server);
            Assert.Contains("All usrloc tests completed successful", r.Output, StringComparison.Ordinal);
            Assert.Contains("received from: TLS:127.0.0.1:" + port, r.Output, StringComparison.Ordinal);
            Match contact = Regex.Match(r.Output, @"^Contact: <sip:alice@127\.0\.0\.1:\d+>;expires=\d+", RegexOptions.Multiline);
            Assert.True(contact.Success, r.ToString());
            Assert.Contains("CSeq: 1 REGISTER", r.Output, StringComparison.Ordinal);

            // The binding is there: a REGISTER without Contact (given to sipsak as a file; it adds its Via) lists it
            // (RFC 3261 §10.3 step 8).
            string query = Path.Combine(folder, "query.sip");
            await File.WriteAllTextAsync(query,
                "REGISTER sip:localhost SIP/2.0\r\nFrom: <sip:alice@localhost>;tag=q1\r\nTo: <sip:alice@localhost>\r\n"
                + $"Call-ID: {Guid.NewGuid():N}@127.0.0.1\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
            ToolResult listed = await Sipsak("-vv", "-f", query, "--transport=tls", $"--tls-ca-cert={certs.CaCertificate}", "-s", "sip:localhost", "-r", port);
            Assert.True(listed.ExitCode == 0, listed.ToString() + server);
            Assert.Contains("SIP/2.0 200 OK", listed.Output, StringComparison.Ordinal);
            Assert.Contains(contact.Value.Split(';')[0], listed.Output, StringComparison.Ordinal);
            Assert.Contains("messages in 2, out 2", await server.StopAndReadLogAsync(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Task<ToolResult> Sipsak(params string[] args) => ToolRun.RunAsync("sipsak", args, s_bound);

    /// <summary>A registrar with UDP and TLS sockets on one free port; its TLS server domain is the test certificate, TLS 1.2.</summary>
    private static Task<HyperproxyProcess> StartAsync(string folder, TestCertificates certs)
    {
        string path = Path.Combine(folder, "registrar.cfg");
        File.WriteAllText(path, $$"""
            log_level = 2
            alias = "localhost"
            loadmodule "sl.so"
            loadmodule "maxfwd.so"
            loadmodule "sipmsgops.so"
            loadmodule "usrloc.so"
            loadmodule "registrar.so"
            loadmodule "proto_tls.so"
            loadmodule "tls_openssl.so"
            loadmodule "tls_mgm.so"
            modparam("tls_mgm", "server_domain", "edge")
            modparam("tls_mgm", "certificate", "[edge]{{certs.Certificate}}")
            modparam("tls_mgm", "private_key", "[edge]{{certs.Key}}")
            modparam("tls_mgm", "verify_cert", "[edge]0")
            modparam("tls_mgm", "require_cert", "[edge]0")
            modparam("tls_mgm", "tls_method", "[edge]TLSv1_2")
            route {
                if (!mf_process_maxfwd_header(10)) {
                    sl_send_reply(483, "Too Many Hops");
                    exit;
                }
                if (is_method("REGISTER")) {
                    save("location");
                    exit;
                }
                if (is_method("OPTIONS") && uri == myself) {
                    sl_send_reply(200, "OK");
                    exit;
                }
                if (is_method("ACK")) {
                    exit;
                }
                if (!lookup("location")) {
                    sl_send_reply(404, "Not Found");
                    exit;
                }
                forward();
            }
            """);
        return HyperproxyProcess.StartOnFreePortAsync(port => Task.FromResult<IReadOnlyList<string>?>(
        [
            "--listen", $"udp:127.0.0.1:{port}", "--listen", $"tls:127.0.0.1:{port}", "--workers", "1", "--config", path,
            "--data-dir", Path.Combine(folder, "data"),
        ]));
    }
}
