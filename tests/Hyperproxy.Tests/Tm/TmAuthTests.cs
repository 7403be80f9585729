using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// auth's challenges and signaling's send_reply with tm, as OpenSIPS's signaling API sends them: through the
/// transaction (t_reply: a retransmitted request answered from the transaction, the ACK of a 407 absorbed)
/// when the script created one with t_newtran, statelessly otherwise.
/// </summary>
public sealed class TmAuthTests
{
    private const string Stateful = Head
        + "loadmodule \"auth.so\"\nloadmodule \"signaling.so\"\n"
        + "route {\n"
        + "  if (!t_newtran()) { exit; }\n"
        + "  if (is_method(\"OPTIONS\")) { send_reply(403, \"Not Here\"); exit; }\n"
        + "  proxy_challenge(\"example.com\", \"auth\");\n"
        + "}\n";

    private const string Stateless = Head
        + "loadmodule \"auth.so\"\n"
        + "route {\n"
        + "  proxy_challenge(\"example.com\", \"auth\");\n"
        + "}\n";

    [Fact]
    public void ChallengeAfterTNewtranIsTheTransactionsReply()
    {
        using var tm = new TmHarness(Stateful);
        Sent[] sent = tm.Send(Invite());
        Assert.Equal(["SIP/2.0 100 Giving it a try", "SIP/2.0 407 Proxy Authentication Required"], sent.Select(s => s.StartLine));
        Sent challenge = sent[1];
        Assert.Equal("SIP/2.0 407 Proxy Authentication Required", challenge.StartLine);
        Assert.StartsWith("Digest realm=\"example.com\", nonce=\"", challenge.Headers("Proxy-Authenticate")[0], StringComparison.Ordinal);
        Assert.Equal(2, tm.Counters.TmLocalReplies); // the 100 and the 407, both the transaction's
        Assert.Equal(1, tm.Table.Count);

        // The INVITE again: the transaction answers with the same 407 (same nonce, same To tag); the script does not run.
        Sent again = Assert.Single(tm.Send(Invite()));
        Assert.Equal(challenge.Text, again.Text);
        Assert.Equal(1, tm.Counters.TmRetransmissionsAbsorbed);

        // tm does not run Timer G for a 401/407 (RFC 3261 §26.3.2.4): the UAC's retransmission is what brings it again.
        Assert.Empty(tm.Tick(520));

        // The ACK for the 407 ends it: absorbed, no more retransmissions.
        string toTag = challenge.Headers("To")[0][challenge.Headers("To")[0].IndexOf(";tag=", StringComparison.Ordinal)..];
        Assert.Empty(tm.Send(Request("ACK", "z9hG4bK-c1", toTag: toTag)));
        Assert.Empty(tm.Run(4000));
    }

    [Fact]
    public void SendReplyAfterTNewtranIsTheTransactionsReply()
    {
        using var tm = new TmHarness(Stateful);
        Sent reply = Assert.Single(tm.Send(Request("OPTIONS", "z9hG4bK-o1")));
        Assert.Equal("SIP/2.0 403 Not Here", reply.StartLine);
        Assert.Equal(1, tm.Counters.TmLocalReplies);
        Assert.Equal(reply.Text, Assert.Single(tm.Send(Request("OPTIONS", "z9hG4bK-o1"))).Text);
        Assert.Equal(1, tm.Counters.TmRetransmissionsAbsorbed);
    }

    [Fact]
    public void ChallengeWithoutATransactionIsStateless()
    {
        using var tm = new TmHarness(Stateless);
        Sent first = Assert.Single(tm.Send(Invite()));
        Assert.Equal("SIP/2.0 407 Proxy Authentication Required", first.StartLine);
        Assert.Equal(0, tm.Counters.TmLocalReplies);
        Assert.Equal(0, tm.Table.Count);

        // Stateless: a retransmission runs the script again and gets a challenge of its own (a new nonce).
        Sent second = Assert.Single(tm.Send(Invite()));
        Assert.NotEqual(first.Headers("Proxy-Authenticate")[0], second.Headers("Proxy-Authenticate")[0]);
        Assert.Empty(tm.Run(2000)); // nothing retransmitted
    }
}
