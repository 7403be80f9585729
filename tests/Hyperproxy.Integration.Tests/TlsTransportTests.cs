using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// SIP over TLS against the real server with certificates made by openssl: --tls-cert/--tls-key, tls_mgm domains
/// (with their start-up errors), a bad handshake bounded and counted, sips: routed over TLS with the client domain's ca_list.
/// </summary>
public sealed class TlsTransportTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task OptionsOverTlsWithTheCommandLineCertificateIsAnswered()
    {
        using TestCertificates certs = await TestCertificates.CreateAsync();
        await using HyperproxyProcess server = await StartAsync(null, "--tls-cert", certs.Certificate, "--tls-key", certs.Key);
        await using TcpSipClient client = await TcpSipClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), tls: true);

        await client.SendAsync(TcpTransportTests.TcpRequest("OPTIONS", $"sip:127.0.0.1:{server.Port}", client, "tls1").Replace("/TCP ", "/TLS ", StringComparison.Ordinal));
        string? reply = await client.ReceiveAsync();

        Assert.NotNull(reply);
        Assert.Equal(200, SipText.StatusCode(reply));
        Assert.StartsWith("SIP/2.0/TLS ", SipText.Header(reply, "Via"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainTextOnTheTlsPortFailsTheHandshakeAndTheServerKeepsServing()
    {
        using TestCertificates certs = await TestCertificates.CreateAsync();
        await using HyperproxyProcess server = await StartAsync(null, "--tls-cert", certs.Certificate, "--tls-key", certs.Key);
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        await using TcpSipClient plain = await TcpSipClient.ConnectAsync(endPoint);

        await plain.SendAsync(TcpTransportTests.TcpRequest("OPTIONS", $"sip:127.0.0.1:{server.Port}", plain, "plain"));

        Assert.True(await plain.WaitClosedAsync(s_bound), "a plain-text client kept its TLS connection");
        await using TcpSipClient good = await TcpSipClient.ConnectAsync(endPoint, tls: true);
        await good.SendAsync(TcpTransportTests.TcpRequest("OPTIONS", $"sip:127.0.0.1:{server.Port}", good, "good"));
        Assert.NotNull(await good.ReceiveAsync());
        Assert.Contains("TLS handshake 1", await server.StopAndReadLogAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsMgmDomainsServeTheSocketAndRouteSipsUrisOverTlsTrustingTheCaList()
    {
        using TestCertificates certs = await TestCertificates.CreateAsync();
        using X509Certificate2 peerCertificate = X509CertificateLoader.LoadPkcs12(
            X509Certificate2.CreateFromPemFile(certs.Certificate, certs.Key).Export(X509ContentType.Pkcs12), null);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int peerPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        string script = $$"""
            loadmodule "proto_tls.so"
            loadmodule "tls_openssl.so"
            loadmodule "tls_mgm.so"
            modparam("tls_mgm", "server_domain", "edge")
            modparam("tls_mgm", "certificate", "[edge]{{certs.Certificate}}")
            modparam("tls_mgm", "private_key", "[edge]{{certs.Key}}")
            modparam("tls_mgm", "verify_cert", "[edge]0")
            modparam("tls_mgm", "client_domain", "out")
            modparam("tls_mgm", "ca_list", "[out]{{certs.CaCertificate}}")
            modparam("tls_mgm", "tls_method", "[out]TLSv1_2-")

            """;
        await using HyperproxyProcess server = await StartAsync(script);
        using UdpPeer ua = UdpPeer.V4();

        ua.Send(SipText.Request("OPTIONS", $"sips:bob@127.0.0.1:{peerPort}", ua, SipText.NewBranch(), SipText.NewCallId()),
            new IPEndPoint(IPAddress.Loopback, server.Port));
        using var accept = new CancellationTokenSource(s_bound);
        using Socket accepted = await listener.AcceptSocketAsync(accept.Token);
        await using var ssl = new SslStream(new NetworkStream(accepted, ownsSocket: false));
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = peerCertificate }, accept.Token);
        byte[] buffer = new byte[8192];
        int n = await ssl.ReadAsync(buffer, accept.Token);
        string forwarded = System.Text.Encoding.ASCII.GetString(buffer, 0, n);

        Assert.StartsWith($"OPTIONS sips:bob@127.0.0.1:{peerPort} SIP/2.0", forwarded, StringComparison.Ordinal);
        Assert.StartsWith($"SIP/2.0/TLS 127.0.0.1:{server.Port};branch=", SipText.Headers(forwarded, "Via")[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("modparam(\"tls_mgm\", \"certificate\", \"/x/cert.pem\")", "a value without a domain is an error")]
    [InlineData("modparam(\"tls_mgm\", \"certificate\", \"[nope]/x/cert.pem\")", "TLS domain [nope] not defined")]
    [InlineData("modparam(\"tls_mgm\", \"server_domain\", \"d\")\nmodparam(\"tls_mgm\", \"tls_method\", \"[d]SSLv2\")", "tls_method 'SSLv2'")]
    [InlineData("modparam(\"tls_mgm\", \"server_domain\", \"d\")\nmodparam(\"tls_mgm\", \"certificate\", \"[d]/nonexistent/cert.pem\")\nmodparam(\"tls_mgm\", \"private_key\", \"[d]/nonexistent/key.pem\")", "'/nonexistent/cert.pem': no such file")]
    public async Task BadTlsConfigurationStopsStartUpSayingWhat(string lines, string message)
    {
        string script = "loadmodule \"proto_tls.so\"\nloadmodule \"tls_mgm.so\"\n" + lines + "\n";
        int port = Ports.FreeUdpPort();
        string path = await WriteScript(script);
        await using HyperproxyProcess server = await HyperproxyProcess.StartAsync(port,
            ["--listen", $"udp:127.0.0.1:{port}", "--listen", $"tls:127.0.0.1:{port}", "--config", path]);

        Assert.False(await server.WaitReadyAsync());
        Assert.Contains(message, server.StandardError, StringComparison.Ordinal);
        Assert.Contains(path, server.StandardError, StringComparison.Ordinal);
    }

    private static async Task<string> WriteScript(string head)
    {
        string path = Path.Combine(Path.GetTempPath(), $"hp-tls-{Guid.NewGuid():N}.cfg");
        string routing = string.Join('\n', Hyperproxy.Script.ScriptLoader.DefaultScriptText.Split('\n')
            .Where(l => !l.TrimStart().StartsWith("socket", StringComparison.Ordinal) && !l.TrimStart().StartsWith("log_level", StringComparison.Ordinal)));
        await File.WriteAllTextAsync(path, head + routing);
        return path;
    }

    /// <summary>The server with UDP and TLS sockets on one free port; <paramref name="script"/> (with the default routing) or the built-in script.</summary>
    private static Task<HyperproxyProcess> StartAsync(string? script, params string[] extra) =>
        HyperproxyProcess.StartOnFreePortAsync(async port =>
        {
            var args = new List<string> { "--listen", $"udp:127.0.0.1:{port}", "--listen", $"tls:127.0.0.1:{port}", "--workers", "2" };
            if (script is not null)
            {
                args.Add("--config");
                args.Add(await WriteScript(script));
            }

            args.AddRange(extra);
            return args;
        });
}
