using Hyperproxy.Proxy;
using Hyperproxy.Script.Statistics;
using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// tm's statistics with OpenSIPS's names, as exact deltas after known stateful traffic: received_replies (every
/// reply matched to a transaction), relayed_replies / local_replies (every reply sent upstream), the final replies
/// sent upstream by class (2xx_transactions .. 6xx_transactions) and UAC_transactions (none: Hyperproxy starts no
/// transaction of its own).
/// </summary>
public sealed class TmStatisticsTests : IDisposable
{
    private static readonly string[] s_names =
    [
        "UAS_transactions", "UAC_transactions", "received_replies", "relayed_replies", "local_replies",
        "2xx_transactions", "3xx_transactions", "4xx_transactions", "5xx_transactions", "6xx_transactions",
    ];

    private readonly ProxyCounters[] _counters = new ProxyCounters[1];
    private readonly TmHarness _tm;
    private readonly StatisticsRegistry _registry = new();

    public TmStatisticsTests()
    {
        _tm = new TmHarness(TmHarness.Script, null, 0, _counters);
        _registry.Register("tm", ProxyStatistics.Tm(_counters));
        _registry.Seal(1);
    }

    public void Dispose() => _tm.Dispose();

    private Dictionary<string, long> Read()
    {
        var values = new Dictionary<string, long>();
        foreach (string name in s_names)
        {
            values[name] = _registry.Read(_registry.Find("tm", name)!);
        }

        return values;
    }

    /// <summary>What changed since <paramref name="before"/>, as "name=delta" for every name that changed.</summary>
    private string Delta(Dictionary<string, long> before)
    {
        Dictionary<string, long> after = Read();
        return string.Join(" ", s_names.Where(n => after[n] != before[n]).Select(n => $"{n}={after[n] - before[n]}"));
    }

    private Sent RelayInvite(string branch = "z9hG4bK-c1", string callId = "call-1@uac")
    {
        Sent[] sent = _tm.Send(Invite(branch, callId));
        Assert.Equal(2, sent.Length); // 100 Trying (local) and the INVITE to the callee
        return sent[1];
    }

    [Fact]
    public void TheGroupHasOpenSipsNames()
    {
        foreach (string name in s_names)
        {
            Assert.NotNull(_registry.Find("tm", name));
        }
    }

    [Fact]
    public void AnsweredCallCountsOneUasTransactionTwoReceivedAndRelayedRepliesAndOne2xx()
    {
        var before = Read();
        Sent invite = RelayInvite();
        _tm.Send(ResponseTo(invite, 180, "Ringing"), Uas1);
        _tm.Send(ResponseTo(invite, 200, "OK"), Uas1);
        Assert.Equal("UAS_transactions=1 received_replies=2 relayed_replies=2 local_replies=1 2xx_transactions=1", Delta(before));
    }

    [Fact]
    public void ARetransmitted2xxIsReceivedAndRelayedAgainAndCountedAgain()
    {
        Sent invite = RelayInvite();
        _tm.Send(ResponseTo(invite, 200, "OK"), Uas1);
        var before = Read();
        Assert.Single(_tm.Send(ResponseTo(invite, 200, "OK"), Uas1));
        Assert.Equal("received_replies=1 relayed_replies=1 2xx_transactions=1", Delta(before));
    }

    [Theory]
    [InlineData(302, "Moved Temporarily", "3xx_transactions")]
    [InlineData(404, "Not Found", "4xx_transactions")]
    [InlineData(503, "Service Unavailable", "5xx_transactions")]
    [InlineData(603, "Decline", "6xx_transactions")]
    public void ANegativeFinalRelayedUpstreamCountsItsClassOnce(int code, string reason, string name)
    {
        var before = Read();
        Sent invite = RelayInvite();
        Sent[] sent = _tm.Send(ResponseTo(invite, code, reason), Uas1);
        Assert.Contains(sent, s => s.Destination == Uac && s.StartLine.StartsWith("SIP/2.0 " + (code == 503 ? 500 : code), StringComparison.Ordinal));
        Assert.Equal($"UAS_transactions=1 received_replies=1 relayed_replies=1 local_replies=1 {name}=1", Delta(before));
    }

    [Fact]
    public void SerialForkingCountsEveryReceivedReplyButOneFinalUpstream()
    {
        var before = Read();
        Sent invite = RelayInvite();
        Sent[] sent = _tm.Send(ResponseTo(invite, 486, "Busy Here"), Uas1); // the failure route tries UAS2
        Sent second = sent[1];
        _tm.Send(ResponseTo(second, 603, "Decline", ";tag=uas2"), Uas2);
        Assert.Equal("UAS_transactions=1 received_replies=2 relayed_replies=1 local_replies=1 6xx_transactions=1", Delta(before));
    }

    [Fact]
    public void ATimeoutIsALocal408()
    {
        var before = Read();
        Sent options = Assert.Single(_tm.Send(Request("OPTIONS", "z9hG4bK-o9", "opt-9@uac")));
        Assert.Equal(Uas1, options.Destination);
        _tm.Run(5100);
        Assert.Equal("UAS_transactions=1 local_replies=1 4xx_transactions=1", Delta(before));
    }

    [Fact]
    public void RepliesToOurCancelAreReceivedButNotRelayed()
    {
        Sent invite = RelayInvite();
        _tm.Send(ResponseTo(invite, 180, "Ringing"), Uas1);
        var before = Read();
        Sent[] cancelled = _tm.Send(Request("CANCEL", "z9hG4bK-c1"));
        Sent cancel = Assert.Single(cancelled, s => s.StartLine.StartsWith("CANCEL", StringComparison.Ordinal));
        _tm.Send(ResponseTo(cancel, 200, "OK"), Uas1);
        _tm.Send(ResponseTo(invite, 487, "Request Terminated"), Uas1);
        // CANCEL: its own transaction, answered 200 locally (a final: 2xx_transactions); the callee's 200 to our
        // CANCEL and its 487 are received; the 487 goes upstream.
        Dictionary<string, long> after = Read();
        Assert.Equal(2, after["received_replies"] - before["received_replies"]);
        Assert.Equal(1, after["relayed_replies"] - before["relayed_replies"]);
        Assert.Equal(1, after["4xx_transactions"] - before["4xx_transactions"]);
        Assert.Equal(0, after["UAC_transactions"]);
    }
}
