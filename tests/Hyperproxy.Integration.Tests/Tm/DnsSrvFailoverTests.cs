using System.Net;
using Hyperproxy.Integration.Tests.Infrastructure;
using Hyperproxy.Tests.Shared;

namespace Hyperproxy.Integration.Tests.Tm;

/// <summary>
/// RFC 3263 through the whole server: <c>hyperproxy run --dns-server</c> pointed at dnsmasq on loopback, whose
/// <c>_sip._udp.callee.test</c> SRV names two callees (UDP peers on 127.0.0.2 at priority 10 and 127.0.0.3 at 20).
/// <c>t_relay()</c> to <c>sip:callee.test</c> reaches the first; its 503 sends the INVITE to the second, whose 200
/// reaches the caller. A name DNS does not know gets 476.
/// </summary>
public sealed class DnsSrvFailoverTests
{
    private const string Script = "loadmodule \"proto_udp.so\"\nloadmodule \"tm.so\"\nloadmodule \"sl.so\"\n"
        + "route {\n"
        + "  if ($rU == \"nobody\") { $du = \"sip:nobody.test\"; } else { $du = \"sip:callee.test\"; }\n"
        + "  if (!t_relay()) { exit; }\n"
        + "}\n";

    private static async Task<(HyperproxyProcess Server, string Folder)> StartAsync(DnsmasqServer dns)
    {
        string folder = Path.Combine(Path.GetTempPath(), "hp-dnssrv-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        string config = Path.Combine(folder, "dns.cfg");
        await File.WriteAllTextAsync(config, Script);
        HyperproxyProcess server = await HyperproxyProcess.StartOnFreePortAsync(ipv6: false, workers: 1, "--config", config,
            "--dns-server", $"127.0.0.1:{dns.Port}");
        return (server, folder);
    }

    private static string Response(string request, int code, string reason, string toTag)
    {
        var lines = new List<string> { $"SIP/2.0 {code} {reason}" };
        foreach (string via in SipText.Headers(request, "Via"))
        {
            lines.Add("Via: " + via);
        }

        lines.Add("From: " + SipText.Header(request, "From"));
        lines.Add("To: " + SipText.Header(request, "To") + ";tag=" + toTag);
        lines.Add("Call-ID: " + SipText.Header(request, "Call-ID"));
        lines.Add("CSeq: " + SipText.Header(request, "CSeq"));
        lines.Add("Content-Length: 0");
        return string.Join("\r\n", lines) + "\r\n\r\n";
    }

    /// <summary>Sends the INVITE as a UAC's Timer A would (the first may be dropped while the name is looked up) until <paramref name="until"/> hears it, bounded.</summary>
    private static async Task<string> SendUntilHeardAsync(UdpPeer uac, string invite, IPEndPoint proxy, UdpPeer until, string what)
    {
        for (int i = 0; i < 20; i++)
        {
            uac.Send(invite, proxy);
            if (await until.ReceiveAsync(TimeSpan.FromMilliseconds(500)) is { } got && got.Text.StartsWith("INVITE ", StringComparison.Ordinal))
            {
                return got.Text;
            }
        }

        Assert.Fail($"{what} never arrived");
        return "";
    }

    [Fact]
    public async Task A503FromTheFirstSrvTargetFailsOverToTheSecondAndItsAnswerReachesTheCaller()
    {
        using var callee1 = new UdpPeer(IPAddress.Parse("127.0.0.2"));
        using var callee2 = new UdpPeer(IPAddress.Parse("127.0.0.3"));
        using var dns = DnsmasqServer.Start(30,
        [
            $"--srv-host=_sip._udp.callee.test,a.callee.test,{callee1.Port},10,10",
            $"--srv-host=_sip._udp.callee.test,b.callee.test,{callee2.Port},20,10",
            "--host-record=a.callee.test,127.0.0.2",
            "--host-record=b.callee.test,127.0.0.3",
        ]);
        (HyperproxyProcess server, string folder) = await StartAsync(dns);
        await using (server)
        {
            using var uac = UdpPeer.V4();
            var proxy = new IPEndPoint(IPAddress.Loopback, server.Port);
            string invite = SipText.Request("INVITE", "sip:bob@example.test", uac, SipText.NewBranch(), SipText.NewCallId());
            string first = await SendUntilHeardAsync(uac, invite, proxy, callee1, "the INVITE at the first SRV target");
            callee1.Send(Response(first, 503, "Service Unavailable", "c1"), proxy);

            string? second = null;
            for (int i = 0; i < 10 && second is null; i++)
            {
                if (await callee2.ReceiveAsync(TimeSpan.FromSeconds(1)) is { } got && got.Text.StartsWith("INVITE ", StringComparison.Ordinal))
                {
                    second = got.Text;
                }
            }

            Assert.True(second is not null, "the INVITE never failed over to the second SRV target\n" + server);
            Assert.NotEqual(SipText.Headers(first, "Via")[0], SipText.Headers(second!, "Via")[0]);
            callee2.Send(Response(second!, 200, "OK", "c2"), proxy);

            string? ok = null;
            for (int i = 0; i < 10 && ok is null; i++)
            {
                if (await uac.ReceiveAsync(TimeSpan.FromSeconds(1)) is { } got && SipText.StatusCode(got.Text) == 200)
                {
                    ok = got.Text;
                }
            }

            Assert.True(ok is not null, "the caller never got the second target's 200\n" + server);
        }

        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task ANameDnsDoesNotKnowGets476()
    {
        using var dns = DnsmasqServer.Start(30, ["--host-record=other.test,127.0.0.2"]);
        (HyperproxyProcess server, string folder) = await StartAsync(dns);
        await using (server)
        {
            using var uac = UdpPeer.V4();
            var proxy = new IPEndPoint(IPAddress.Loopback, server.Port);
            string invite = SipText.Request("INVITE", "sip:nobody@example.test", uac, SipText.NewBranch(), SipText.NewCallId());
            int status = 0;
            for (int i = 0; i < 20 && status == 0; i++)
            {
                uac.Send(invite, proxy); // the first may be dropped while the name is looked up; a UAC retransmits
                while (status == 0 && await uac.ReceiveAsync(TimeSpan.FromMilliseconds(500)) is { } got)
                {
                    int code = SipText.StatusCode(got.Text);
                    status = code >= 200 ? code : 0;
                }
            }

            Assert.Equal(476, status);
        }

        Directory.Delete(folder, recursive: true);
    }
}
