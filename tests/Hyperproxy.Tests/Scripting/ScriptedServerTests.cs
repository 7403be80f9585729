using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Hosting;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Scripting;

/// <summary>The real server started with --config on a test script, driven by sipsak and a plain UDP client.</summary>
public sealed class ScriptedServerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-scripted-" + Guid.NewGuid().ToString("N"));

    public ScriptedServerTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Starts the server on a port in 7000-9999 (sipsak cuts 5-digit ports) taken from the script's socket= line.</summary>
    private ProxyServer StartWithScript(string body, out int port)
    {
        for (int attempt = 0; ; attempt++)
        {
            port = Random.Shared.Next(7000, 10000);
            string path = Path.Combine(_dir, "test.cfg");
            File.WriteAllText(path, $"socket = udp:127.0.0.1:{port}\nudp_workers = 1\nloadmodule \"sl.so\"\nloadmodule \"sipmsgops.so\"\n{body}");
            var options = ServerOptions.From([], null, null, null, 16, path, _dir, "error");
            try
            {
                return ProxyServer.Start(options);
            }
            catch (TransportException) when (attempt < 20)
            {
                // port taken by another test: try another
            }
        }
    }

    private static (int Code, string Output) Sipsak(string uri)
    {
        var start = new ProcessStartInfo("sipsak", ["-vv", "-s", uri]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30_000));
        return (p.ExitCode, output);
    }

    [Fact]
    public void SipsakGetsTheRepliesTheScriptChooses()
    {
        using ProxyServer server = StartWithScript(
            "route {\n"
            + "    if (is_method(\"OPTIONS\") && $si == 127.0.0.1 && $rU == \"blocked\") { sl_send_reply(403, \"Forbidden For $si\"); exit; }\n"
            + "    if (is_method(\"OPTIONS\")) { append_to_reply(\"X-Script: yes\\r\\n\"); sl_send_reply(200, \"Scripted OK\"); exit; }\n"
            + "    sl_send_reply(404, \"Not Here\");\n"
            + "}\n", out int port);

        (int code, string output) = Sipsak($"sip:blocked@127.0.0.1:{port}");
        Assert.Contains("SIP/2.0 403 Forbidden For 127.0.0.1", output, StringComparison.Ordinal);
        Assert.NotEqual(0, code);

        (code, output) = Sipsak($"sip:alice@127.0.0.1:{port}");
        Assert.Contains("SIP/2.0 200 Scripted OK", output, StringComparison.Ordinal);
        Assert.Contains("X-Script: yes", output, StringComparison.Ordinal);
        Assert.Equal(0, code);
    }

    [Fact]
    public void LoopsReturnValuesAndTransformationsShapeTheReplyInTheRealServer()
    {
        // The reason phrase is built by a for-in over the Via header lines, a route's return values and
        // s.select / s.substr / nameaddr.param / ip.isip / s.md5 on what sipsak sent.
        using ProxyServer server = StartWithScript(
            "route {\n"
            + "    $var(vias) = 0;\n"
            + "    for ($var(v) in $(hdr(Via)[*])) { $var(vias) += 1; }\n"
            + "    route(who, $rU);\n"
            + "    $var(h) = $(ru{uri.host}{s.select,-1,.});\n"
            + "    $var(r) = \"vias=\" + $var(vias) + \" user=\" + $return(0) + \" len=\" + $return(1) + \" last=\" + $var(h)\n"
            + "        + \" ip=\" + $(si{ip.isip}) + \" tag=\" + $(hdr(From){nameaddr.param,tag}{s.len}) + \" md5=\" + $(rU{s.md5}{s.substr,0,8});\n"
            + "    sl_send_reply(200, \"$var(r)\");\n"
            + "}\n"
            + "route[who] { return(1, $(param(1){s.toupper}), $(param(1){s.len})); }\n", out int port);

        (int code, string output) = Sipsak($"sip:carol@127.0.0.1:{port}");
        string md5 = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData("carol"u8))[..8];
        Assert.Matches($"SIP/2\\.0 200 vias=1 user=CAROL len=5 last=1 ip=1 tag=[1-9][0-9]* md5={md5}", output);
        Assert.Equal(0, code);
    }

    [Fact]
    public void SourceAddressDecidesBetweenClients()
    {
        using ProxyServer server = StartWithScript(
            "route {\n    if ($si == 127.0.0.1) { sl_send_reply(403, \"Forbidden\"); exit; }\n    sl_send_reply(200, \"OK\");\n}\n", out int port);
        Assert.StartsWith("SIP/2.0 403 Forbidden", Ask(IPAddress.Loopback, port), StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 200 OK", Ask(IPAddress.Parse("127.0.0.2"), port), StringComparison.Ordinal);
    }

    private static string Ask(IPAddress from, int port)
    {
        using var client = new UdpClient(new IPEndPoint(from, 0));
        client.Client.ReceiveTimeout = 10_000;
        var local = (IPEndPoint)client.Client.LocalEndPoint!;
        string request = $"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP {from}:{local.Port};branch=z9hG4bK-{Guid.NewGuid():N}\r\n"
            + $"From: <sip:t@{from}>;tag=1\r\nTo: <sip:127.0.0.1:{port}>\r\nCall-ID: {Guid.NewGuid():N}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        byte[] bytes = Encoding.ASCII.GetBytes(request);
        client.Send(bytes, bytes.Length, new IPEndPoint(IPAddress.Loopback, port));
        IPEndPoint? remote = null;
        return Encoding.ASCII.GetString(client.Receive(ref remote));
    }
}
