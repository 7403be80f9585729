using System.Text.Json;

namespace Hyperproxy.Sak.Tests;

/// <summary>The load generator against the Hyperproxy server listening on udp:[::1]:PORT.</summary>
public sealed class Ipv6BenchTests : IClassFixture<HyperproxyPeerV6>
{
    private readonly HyperproxyPeerV6 _server;

    public Ipv6BenchTests(HyperproxyPeerV6 server) => _server = server;

    [Fact]
    public void CallBenchOverIpv6CompletesEveryCall()
    {
        var (code, output, error) = Peers.Sak("bench", "--target", _server.HostPort, "--scenario", "call", "--count", "2000", "--window", "32", "--json");
        Assert.True(code == 0, output + error);
        Assert.Contains("local ::1", error, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement r = json.RootElement;
        Assert.Equal(2000, r.GetProperty("calls_completed").GetInt64());
        Assert.Equal(0, r.GetProperty("calls_failed").GetInt64());
        Assert.Equal(0, r.GetProperty("timeouts").GetInt64());
        Assert.Equal(2000, r.GetProperty("callee_invites").GetInt64());
        Assert.Equal(2000, r.GetProperty("callee_acks").GetInt64());
        Assert.Equal(2000, r.GetProperty("bye_by_status").GetProperty("200").GetInt64());
        Assert.Equal(6 * 2000, r.GetProperty("messages_sent").GetInt64());
        Assert.Equal(6 * 2000, r.GetProperty("messages_received").GetInt64());
    }

    [Fact]
    public void OptionsBenchOverIpv6GetsEveryRequestAnswered()
    {
        var (code, output, error) = Peers.Sak("bench", "--target", _server.HostPort, "--count", "5000", "--window", "64", "--json");
        Assert.True(code == 0, output + error);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(5000, json.RootElement.GetProperty("by_status").GetProperty("200").GetInt64());
    }
}
