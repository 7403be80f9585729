using System.Text.RegularExpressions;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// The real sipsak (0.9.8, Debian) against the real server: ping, traceroute, a request that gets
/// 404. sipsak speaks IPv4 only (it cannot parse <c>sip:[::1]</c>) and ignores its outbound proxy
/// (-p) for numeric targets, so IPv6 and multi-hop paths are driven by SIPp and raw sockets instead.
/// </summary>
public sealed class SipsakTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task PingGets200AndExitsZero()
    {
        ToolResult r = await Sipsak("-s", $"sip:127.0.0.1:{fixture.Port}");

        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [Fact]
    public async Task VerbosePingShowsReceivedAndRportStampedOnItsVia()
    {
        ToolResult r = await Sipsak("-vv", "-s", $"sip:127.0.0.1:{fixture.Port}");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("SIP/2.0 200 OK", r.Output, StringComparison.Ordinal);
        Match via = Regex.Match(r.Output, @"^Via: SIP/2\.0/UDP [^\r\n]*$", RegexOptions.Multiline);
        Assert.True(via.Success, r.ToString());
        Assert.Equal("127.0.0.1", SipText.Param(via.Value, "received"));
        Assert.Matches(new Regex(@"^\d+$"), SipText.Param(via.Value, "rport") ?? "");
        Assert.Contains("Allow: ", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TracerouteToAUserAtTheProxySucceedsAndListsTheProxy()
    {
        ToolResult r = await Sipsak("-T", "-s", $"sip:user@127.0.0.1:{fixture.Port}");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(new Regex(@"(?m)^0: .*SIP/2\.0 200 OK"), r.Output);
    }

    [Fact]
    public async Task MessageToAUserAtTheProxyGets404AndSipsakExitsOne()
    {
        // sipsak -M (message mode) crashes in 0.9.8.1 before it sends anything (sprintf into a null
        // buffer outside -U), so the MESSAGE is given to sipsak as a file (-f); sipsak adds its Via.
        string file = Path.Combine(Path.GetTempPath(), $"hp-message-{Guid.NewGuid():N}.sip");
        string uri = $"sip:someone@127.0.0.1:{fixture.Port}";
        await File.WriteAllTextAsync(file,
            $"MESSAGE {uri} SIP/2.0\r\nFrom: <sip:sipsak@127.0.0.1>;tag=m1\r\nTo: <{uri}>\r\nCall-ID: {Guid.NewGuid():N}@127.0.0.1\r\n"
            + "CSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\ntext");
        try
        {
            ToolResult r = await Sipsak("-vv", "-f", file, "-s", uri);

            // sipsak: 1 = "something else than 1xx or 2xx was received".
            Assert.True(r.ExitCode == 1, r.ToString());
            Assert.Contains("SIP/2.0 404 Not Found", r.Output, StringComparison.Ordinal);
            Assert.Contains("Server: Hyperproxy", r.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Task<ToolResult> Sipsak(params string[] args) => ToolRun.RunAsync("sipsak", args, s_bound);
}
