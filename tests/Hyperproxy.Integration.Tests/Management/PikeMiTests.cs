using System.Net;
using System.Text.Json.Nodes;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Management;

/// <summary>
/// pike through the management interface of the real server: a loopback source that floods is listed by
/// <c>pike_list</c>, counted in <c>pike:blocked_ips</c>, released by <c>pike_rm</c> (then answered again), and
/// <c>pike_rm</c> gives OpenSIPS's errors for an address that is not blocked, not tracked, or not an address.
/// </summary>
public sealed class PikeMiTests
{
    private const string Route = "route {\n  if (!pike_check_req()) { exit; }\n  sl_send_reply(200, \"OK\");\n}\n";

    [Fact]
    public async Task AFlooderIsListedCountedAndReleasedByMi()
    {
        string extra = "loadmodule \"pike.so\"\nmodparam(\"pike\", \"sampling_time_unit\", 10)\nmodparam(\"pike\", \"reqs_density_per_unit\", 20)\n";
        await using ManagedServer s = await ManagedServer.StartAsync(ManagedServer.Script(extra, Route));
        var to = new IPEndPoint(IPAddress.Loopback, s.SipPort);
        using var flooder = new UdpPeer(IPAddress.Parse("127.0.0.2"));
        for (int i = 0; i < 60; i++)
        {
            flooder.Send(Options(flooder, i), to);
        }

        Assert.True(await s.WaitStatAsync("pike:blocked_ips", 1) >= 1);
        var listed = (JsonObject)(await s.MiAsync("pike_list"))!;
        Assert.Contains("127.0.0.2", ((JsonArray)listed["IPs"]!).Select(n => (string)n!));
        Assert.True(await s.StatAsync("pike:refused_requests") >= 1);

        Assert.Equal("OK", (string)(await s.MiAsync("pike_rm", new JsonObject { ["ip"] = "127.0.0.2" }))!);
        Assert.Empty((JsonArray)((JsonObject)(await s.MiAsync("pike_list"))!)["IPs"]!);
        while (await flooder.ReceiveAsync(TimeSpan.FromMilliseconds(300)) is not null)
        {
            // the answers to the flood before it was blocked
        }

        flooder.Send(Options(flooder, 1000), to);
        Assert.StartsWith("SIP/2.0 200", (await flooder.ReceiveAsync(TimeSpan.FromSeconds(5)))?.Text ?? "", StringComparison.Ordinal);

        var notBlocked = await Assert.ThrowsAsync<InvalidOperationException>(() => s.MiAsync("pike_rm", new JsonObject { ["ip"] = "127.0.0.2" }));
        Assert.Contains("IP not blocked", notBlocked.Message, StringComparison.Ordinal);
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => s.MiAsync("pike_rm", new JsonObject { ["ip"] = "10.9.9.9" }));
        Assert.Contains("Match not found", unknown.Message, StringComparison.Ordinal);
        var bad = await Assert.ThrowsAsync<InvalidOperationException>(() => s.MiAsync("pike_rm", new JsonObject { ["ip"] = "not-an-ip" }));
        Assert.Contains("Bad IP", bad.Message, StringComparison.Ordinal);
    }

    private static string Options(UdpPeer from, int n) =>
        $"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {from.SentBy};branch=z9hG4bK-pikemi{n}\r\nMax-Forwards: 70\r\n"
        + $"From: <sip:flood@{from.SentBy}>;tag={n}\r\nTo: <sip:127.0.0.1>\r\nCall-ID: pikemi-{n}@{from.SentBy}\r\nCSeq: {n + 1} OPTIONS\r\nContent-Length: 0\r\n\r\n";
}
