using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// t_check_trans() on an ACK, as the spec lists it: 1 for the hop-by-hop ACK of an INVITE transaction, -2 for an ACK that
/// matches an INVITE transaction only dialog-wise (the end-to-end ACK of the 2xx it relayed, with a branch of its own),
/// -1 otherwise. The script sends each case to a different place so the test can see which it was.
/// </summary>
public sealed class TmCheckTransTests
{
    private const string Script = TmHarness.Head
        + "route {\n"
        + "  if (is_method(\"ACK\")) {\n"
        + "    t_check_trans();\n"
        + "    if ($retcode == 1) { exit; }\n"
        + "    if ($retcode == -2) { $du = \"sip:127.0.0.3:5070\"; forward(); exit; }\n"
        + "    $du = \"sip:127.0.0.2:5070\"; forward(); exit;\n"
        + "  }\n"
        + "  $du = \"sip:127.0.0.2:5070\";\n"
        + "  t_relay();\n"
        + "}\n";

    [Fact]
    public void TheEndToEndAckOfARelayed2xxMatchesDialogWiseWithMinus2()
    {
        using var h = new TmHarness(Script);
        Sent invite = h.Send(TmHarness.Invite()).Single(s => s.Destination == TmHarness.Uas1);
        Assert.Contains(h.Send(TmHarness.ResponseTo(invite, 200, "OK"), TmHarness.Uas1), s => s.Destination == TmHarness.Uac);

        Sent ack = Assert.Single(h.Send(TmHarness.Request("ACK", "z9hG4bK-e2e-ack", "call-1@uac", 1, ";tag=uas1")));
        Assert.Equal(TmHarness.Uas2, ack.Destination); // -2

        Sent other = Assert.Single(h.Send(TmHarness.Request("ACK", "z9hG4bK-stray", "call-9@uac", 1, ";tag=uas1")));
        Assert.Equal(TmHarness.Uas1, other.Destination); // -1: no such dialog

        Sent otherTag = Assert.Single(h.Send(TmHarness.Request("ACK", "z9hG4bK-e2e-ack2", "call-1@uac", 1, ";tag=someone-else")));
        Assert.Equal(TmHarness.Uas1, otherTag.Destination); // -1: another dialog of the same call
    }

    [Fact]
    public void TheHopByHopAckOfANegativeFinalMatchesWith1()
    {
        using var h = new TmHarness(Script);
        Sent invite = h.Send(TmHarness.Invite("z9hG4bK-c2", "call-2@uac")).Single(s => s.Destination == TmHarness.Uas1);
        h.Send(TmHarness.ResponseTo(invite, 486, "Busy Here"), TmHarness.Uas1);
        Assert.Empty(h.Send(TmHarness.Request("ACK", "z9hG4bK-c2", "call-2@uac", 1, ";tag=uas1"))); // 1: exit, nothing sent
    }

    [Fact]
    public void AfterTheWaitTimerTheEndToEndAckNoLongerMatches()
    {
        using var h = new TmHarness(Script);
        Sent invite = h.Send(TmHarness.Invite("z9hG4bK-c3", "call-3@uac")).Single(s => s.Destination == TmHarness.Uas1);
        h.Send(TmHarness.ResponseTo(invite, 200, "OK"), TmHarness.Uas1);
        h.Run(6000, 100); // wt_timer 5 s frees the transaction
        Assert.Equal(0, h.Table.Count);
        Sent ack = Assert.Single(h.Send(TmHarness.Request("ACK", "z9hG4bK-late", "call-3@uac", 1, ";tag=uas1")));
        Assert.Equal(TmHarness.Uas1, ack.Destination); // -1
    }
}
