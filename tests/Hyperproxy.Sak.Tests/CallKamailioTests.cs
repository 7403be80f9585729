using System.Text.Json;

namespace Hyperproxy.Sak.Tests;

/// <summary>Kamailio forwarding every request statelessly to its Request-URI (perf/kamailio/forward.cfg).</summary>
public sealed class ForwardKamailio : KamailioPeer
{
    public ForwardKamailio()
        : base(Path.Combine(Peers.RepoRoot, "perf", "kamailio", "forward.cfg"))
    {
    }
}

public sealed class CallKamailioTests : IClassFixture<ForwardKamailio>
{
    private readonly ForwardKamailio _kamailio;

    public CallKamailioTests(ForwardKamailio kamailio) => _kamailio = kamailio;

    [Fact]
    public void CallBenchThroughKamailiosStatelessForwardCompletesEveryCall()
    {
        var (code, output, error) = Peers.Sak("bench", "--target", $"127.0.0.1:{_kamailio.Port}", "--scenario", "call",
            "--count", "2000", "--window", "32", "--json");
        Assert.True(code == 0, output + error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement r = json.RootElement;
        Assert.Equal(2000, r.GetProperty("calls_completed").GetInt64());
        Assert.Equal(2000, r.GetProperty("callee_invites").GetInt64());
        Assert.Equal(2000, r.GetProperty("callee_acks").GetInt64());
        Assert.Equal(2000, r.GetProperty("callee_byes").GetInt64());
        Assert.Equal(0, r.GetProperty("timeouts").GetInt64());
        Assert.Equal(12 * 2000, r.GetProperty("messages_sent").GetInt64() + r.GetProperty("messages_received").GetInt64());
    }

    [Fact]
    public void InviteModeThroughKamailioAsOutboundProxyAnswersItselfAndHangsUp()
    {
        int local = Peers.FreeUdpPort();
        string port = local.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (code, output, error) = Peers.Sak("-I", "-l", port, "-p", $"127.0.0.1:{_kamailio.Port}", "-s", $"sip:me@127.0.0.1:{port}");
        Assert.True(code == 0, output + error);
        Assert.Contains("ACK sent; it reached us", output, StringComparison.Ordinal);
        Assert.Contains("hanging up me ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
    }
}
