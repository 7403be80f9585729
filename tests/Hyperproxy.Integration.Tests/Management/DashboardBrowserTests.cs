using System.Text.RegularExpressions;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Management;

/// <summary>The dashboard in headless Chromium (Debian's chromium): the page loads, its figures follow the traffic, a traced message can be read.</summary>
public sealed class DashboardBrowserTests(ManagedServerFixture fixture) : IClassFixture<ManagedServerFixture>
{
    private ManagedServer S => fixture.Server;

    private async Task<string> DomAsync(string? screenshot = null)
    {
        string profile = Path.Combine(Path.GetTempPath(), $"hp-chromium-{Guid.NewGuid():N}");
        var args = new List<string>
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", $"--user-data-dir={profile}",
            "--virtual-time-budget=3000", "--window-size=1280,1000", "--disable-extensions", "--disable-background-networking",
        };
        if (screenshot is not null)
            args.Add($"--screenshot={screenshot}");
        else
            args.Add("--dump-dom");
        args.Add($"http://127.0.0.1:{S.HttpPort}/?poll");
        ToolResult r = await ToolRun.RunAsync("chromium", args, TimeSpan.FromSeconds(60));
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
        }

        Assert.False(r.TimedOut, r.ToString());
        return r.Output;
    }

    private static long Figure(string dom, string stat)
    {
        Match m = Regex.Match(dom, $"data-stat=\"{Regex.Escape(stat)}\">(\\d+)<");
        Assert.True(m.Success, $"{stat} not on the page:\n{dom}");
        return long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task ThePageShowsTheStatisticsAndTheyMoveWithTraffic()
    {
        Assert.Equal(0, (await S.PingAsync()).ExitCode);
        string before = await DomAsync();
        long requests = Figure(before, "core:rcv_requests");
        Assert.True(requests >= 1);
        for (int i = 0; i < 3; i++)
            Assert.Equal(0, (await S.PingAsync()).ExitCode);
        Assert.Equal(0, (await S.RegisterAsync("pagecarol", "10.4.4.4")).ExitCode);
        await S.WaitStatAsync("registrar:accepted_regs", 1);

        string after = await DomAsync();
        Assert.True(Figure(after, "core:rcv_requests") >= requests + 4, after);
        Assert.True(Figure(after, "registrar:accepted_regs") >= 1);
        Assert.True(Figure(after, "sl:2xx_replies") >= 4);
    }

    private static double Decimal(string dom, string attribute, string key)
    {
        Match m = Regex.Match(dom, $"{attribute}=\"{Regex.Escape(key)}\">([0-9.]+)<");
        Assert.True(m.Success, $"{attribute}={key} not on the page:\n{dom}");
        return double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long? SourceRow(string dom, string host)
    {
        Match m = Regex.Match(dom, $"data-source=\"{Regex.Escape(host)}\">(\\d+)<");
        return m.Success ? long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>OPTIONS from 127.0.0.7 (a source no other test uses), each answered before the next.</summary>
    private async Task PingFrom127007Async(int count)
    {
        using var peer = new UdpPeer(System.Net.IPAddress.Parse("127.0.0.7"));
        var to = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, S.SipPort);
        for (int i = 0; i < count; i++)
        {
            peer.Send(SipText.Options($"sip:127.0.0.1:{S.SipPort}", peer), to);
            await peer.ExpectAsync("SIP/2.0 200 OK");
        }
    }

    [Fact]
    public async Task LatencyPercentilesAndTopSourcesFollowTheTraffic()
    {
        await PingFrom127007Async(5);
        string before = await DomAsync();
        long requests = (long)Decimal(before, "data-latency-total", "count");
        long fromSeven = SourceRow(before, "127.0.0.7") ?? 0;
        Assert.True(requests >= 5, before);
        Assert.True(fromSeven >= 5, before);
        foreach (string p in (string[])["p50", "p90", "p99", "p99.9"])
            Assert.True(Decimal(before, "data-latency-total", p) > 0, $"{p}:\n{before}");
        Assert.True(Decimal(before, "data-latency-total", "p50") <= Decimal(before, "data-latency-total", "p99.9"));

        await PingFrom127007Async(20);
        string after = await DomAsync();
        Assert.True(Decimal(after, "data-latency-total", "count") >= requests + 20, after);
        Assert.True(SourceRow(after, "127.0.0.7") >= fromSeven + 20, after);
        Assert.True(Decimal(after, "data-latency", "count") >= 0, after); // the last 10 s: on the page (how much falls in it depends on the browser's start-up time)
    }

    [Fact]
    public async Task TheTracePageListsTracedMessagesInBothDirections()
    {
        Assert.Equal(0, (await S.PingAsync()).ExitCode);
        await S.WaitStatAsync("tracer:traced_messages", 2);
        string dom = await DomAsync();
        Assert.Matches(@"<td class=""in"">in</td><td>udp:127\.0\.0\.1:\d+</td><td>udp:127\.0\.0\.1:\d+</td><td>OPTIONS sip:", dom);
        Assert.Matches(@"<td class=""out"">out</td>.*<td>SIP/2\.0 200 OK</td>", dom);
    }

    [Fact]
    public async Task AScreenshotOfTheLivePageIsAPng()
    {
        Assert.Equal(0, (await S.PingAsync()).ExitCode);
        string file = Path.Combine(Path.GetTempPath(), $"hp-dashboard-{Guid.NewGuid():N}.png");
        await DomAsync(file);
        byte[] png = await File.ReadAllBytesAsync(file);
        File.Delete(file);
        Assert.True(png.Length > 10_000, $"{png.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }
}
