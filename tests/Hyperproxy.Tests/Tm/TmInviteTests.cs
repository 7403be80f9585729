using Hyperproxy.Proxy;
using Hyperproxy.Proxy.Transactions;
using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

public sealed class TmInviteTests : IDisposable
{
    private readonly TmHarness _tm = new();

    public void Dispose() => _tm.Dispose();

    private Sent RelayInvite()
    {
        Sent[] sent = _tm.Send(Invite());
        Assert.Equal(2, sent.Length);
        Assert.Equal("SIP/2.0 100 Giving it a try", sent[0].StartLine);
        Assert.Equal(Uac, sent[0].Destination);
        Assert.Empty(sent[0].Headers("To")[0].Split(";tag=").Skip(1));
        Assert.Equal("INVITE sip:bob@example.com SIP/2.0", sent[1].StartLine);
        Assert.Equal(Uas1, sent[1].Destination);
        Assert.StartsWith("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtm", sent[1].Headers("Via")[0]);
        return sent[1];
    }

    [Fact]
    public void InviteGets100TryingAndIsForwardedWithATmBranch()
    {
        RelayInvite();
        Assert.Equal(1, _tm.Table.Count);
    }

    [Fact]
    public void InviteRetransmissionIsAbsorbedWithTheLastReply()
    {
        RelayInvite();
        Sent[] again = _tm.Send(Invite());
        Sent resent = Assert.Single(again);
        Assert.Equal("SIP/2.0 100 Giving it a try", resent.StartLine);
        Assert.Equal(1, _tm.Counters.TmRetransmissionsAbsorbed);
    }

    [Fact]
    public void TimerARetransmitsTheInviteUntilAProvisionalArrives()
    {
        Sent invite = RelayInvite();
        Assert.Empty(_tm.Tick(400));
        Sent first = Assert.Single(_tm.Tick(120)); // T1 = 500 ms
        Assert.Equal(invite.Text, first.Text);
        Assert.Single(_tm.Run(1000)); // 2·T1 later
        _tm.Send(ResponseTo(invite, 180, "Ringing"), Uas1);
        Assert.Empty(_tm.Run(8000));
    }

    [Fact]
    public void ProvisionalAndOkAreRelayedUpstreamWithoutOurVia()
    {
        Sent invite = RelayInvite();
        Sent ringing = Assert.Single(_tm.Send(ResponseTo(invite, 180, "Ringing"), Uas1));
        Assert.Equal("SIP/2.0 180 Ringing", ringing.StartLine);
        Assert.Equal(Uac, ringing.Destination);
        Assert.Single(ringing.Headers("Via"));
        Sent ok = Assert.Single(_tm.Send(ResponseTo(invite, 200, "OK"), Uas1));
        Assert.Equal("SIP/2.0 200 OK", ok.StartLine);
        Assert.Equal(Uac, ok.Destination);
        // A retransmitted 2xx is relayed again (the UAC's ACK stops the UAS).
        Assert.Equal("SIP/2.0 200 OK", Assert.Single(_tm.Send(ResponseTo(invite, 200, "OK"), Uas1)).StartLine);
        // The transaction is freed after wt_timer.
        _tm.Run(5200);
        Assert.Equal(0, _tm.Table.Count);
    }

    [Fact]
    public void BusyIsAckedDownstreamAndSeriallyForkedByTheFailureRoute()
    {
        Sent invite = RelayInvite();
        Sent[] sent = _tm.Send(ResponseTo(invite, 486, "Busy Here"), Uas1);
        Assert.Equal(2, sent.Length);
        Assert.Equal("ACK sip:bob@example.com SIP/2.0", sent[0].StartLine);
        Assert.Equal(Uas1, sent[0].Destination);
        Assert.Equal(invite.Headers("Via")[0], Assert.Single(sent[0].Headers("Via")));
        Assert.Equal("1 ACK", sent[0].Headers("CSeq")[0]);
        Assert.EndsWith(";tag=uas1", sent[0].Headers("To")[0]);
        Assert.Equal("INVITE sip:bob@example.com SIP/2.0", sent[1].StartLine);
        Assert.Equal(Uas2, sent[1].Destination);
        Assert.Equal(2, sent[1].Headers("Via").Count);
        Assert.NotEqual(invite.Headers("Via")[0], sent[1].Headers("Via")[0]);
        Assert.Equal("70", sent[1].Headers("Max-Forwards")[0].Trim());

        // The second callee declines too: no more failure route armed, the best final goes upstream.
        Sent[] second = _tm.Send(ResponseTo(sent[1], 603, "Decline", ";tag=uas2"), Uas2);
        Assert.Equal(2, second.Length);
        Assert.Equal("ACK sip:bob@example.com SIP/2.0", second[0].StartLine);
        Assert.Equal("SIP/2.0 603 Decline", second[1].StartLine);
        Assert.Equal(Uac, second[1].Destination);

        // The negative final is retransmitted (Timer G) until the caller's ACK, which is absorbed.
        Assert.Equal("SIP/2.0 603 Decline", Assert.Single(_tm.Tick(520)).StartLine);
        Assert.Empty(_tm.Send(Request("ACK", "z9hG4bK-c1", toTag: ";tag=uas2")));
        Assert.Equal(1, _tm.Counters.AcksAbsorbed);
        Assert.Empty(_tm.Run(3000));
        _tm.Run(5200);
        Assert.Equal(0, _tm.Table.Count);
    }

    [Fact]
    public void NoAnswerEndsWith408AfterFrTimeout()
    {
        RelayInvite();
        List<Sent> sent = _tm.Run(5100);
        Sent timeout = Assert.Single(sent, s => s.StartLine.StartsWith("SIP/2.0", StringComparison.Ordinal));
        Assert.Equal("SIP/2.0 408 Request Timeout", timeout.StartLine);
        Assert.Equal(Uac, timeout.Destination);
        Assert.Contains(";tag=", timeout.Headers("To")[0]);
        Assert.True(sent.Count(s => s.StartLine.StartsWith("INVITE", StringComparison.Ordinal)) == 3); // at 0.5, 1.5 and 3.5 s (T1, 2·T1, 4·T1)
        Assert.Equal(1, _tm.Counters.TmTimeouts);
    }

    [Fact]
    public void TFrTimeoutSetBeforeTRelayShortensTheNoAnswerTimeout()
    {
        using var tm = new TmHarness(Head + "route {\n  $T_fr_timeout = 2;\n  xlog(\"fr=$T_fr_timeout\");\n  $du = \"sip:127.0.0.2:5070\";\n  t_relay();\n}\n");
        Assert.Equal(2, tm.Send(Invite()).Length);
        List<Sent> sent = tm.Run(2100);
        Assert.Equal("SIP/2.0 408 Request Timeout", Assert.Single(sent, s => s.StartLine.StartsWith("SIP/2.0", StringComparison.Ordinal)).StartLine);
        Assert.Equal(1, tm.Counters.TmTimeouts);
    }

    [Fact]
    public void TFrInvTimeoutSetInTheRouteEndsARingingBranchAtItsValue()
    {
        using var tm = new TmHarness(Head + "route {\n  $du = \"sip:127.0.0.2:5070\";\n  t_newtran();\n  $T_fr_inv_timeout = 3;\n  t_relay();\n}\n");
        Sent invite = tm.Send(Invite())[1];
        tm.Send(ResponseTo(invite, 180, "Ringing"), Uas1);
        List<Sent> sent = tm.Run(3100, 100);
        Assert.Contains(sent, s => s.StartLine.StartsWith("CANCEL", StringComparison.Ordinal) && s.Text.Contains("NO_ANSWER", StringComparison.Ordinal));
        Assert.Contains(sent, s => s.StartLine == "SIP/2.0 408 Request Timeout");
    }

    [Fact]
    public void TheTmStatisticGroupSumsTheWorkersCounters()
    {
        var counters = new ProxyCounters[2];
        using var tm = new TmHarness(TmHarness.Script, null, 1, counters);
        tm.Send(Invite());
        tm.Send(Invite());
        tm.Run(5100);
        var registry = new Hyperproxy.Script.Statistics.StatisticsRegistry();
        registry.Register("tm", ProxyStatistics.Tm(counters));
        registry.Seal(2);
        long Read(string name) => registry.Read(registry.Find("tm", name)!);
        Assert.Equal(1, Read("UAS_transactions"));
        Assert.Equal(1, Read("retransmissions_absorbed"));
        Assert.Equal(1, Read("timeout_finalresponse"));
        Assert.Equal(counters[1].TmInUse, Read("inuse_transactions"));
    }

    [Fact]
    public void TimerCCancelsARingingBranchAndAnswers408()
    {
        Sent invite = RelayInvite();
        _tm.Send(ResponseTo(invite, 180, "Ringing"), Uas1);
        List<Sent> sent = _tm.Run(30_100, 100);
        Sent cancel = Assert.Single(sent, s => s.StartLine.StartsWith("CANCEL", StringComparison.Ordinal) && s.Text.Contains("NO_ANSWER", StringComparison.Ordinal));
        Assert.Equal(invite.Headers("Via")[0], Assert.Single(cancel.Headers("Via")));
        Assert.Equal("1 CANCEL", cancel.Headers("CSeq")[0]);
        Assert.Contains(sent, s => s.StartLine == "SIP/2.0 408 Request Timeout");
    }

    [Fact]
    public void CancelIsAnswered200AndRelayedOnTheRingingBranchThenThe487GoesUp()
    {
        Sent invite = RelayInvite();
        _tm.Send(ResponseTo(invite, 180, "Ringing"), Uas1);
        Sent[] sent = _tm.Send(Request("CANCEL", "z9hG4bK-c1"));
        Assert.Equal(2, sent.Length);
        Sent ok = Assert.Single(sent, s => s.StartLine.StartsWith("SIP/2.0", StringComparison.Ordinal));
        Assert.Equal("SIP/2.0 200 canceling", ok.StartLine);
        Assert.Equal("1 CANCEL", ok.Headers("CSeq")[0]);
        Sent cancel = Assert.Single(sent, s => s.StartLine.StartsWith("CANCEL", StringComparison.Ordinal));
        Assert.Equal("CANCEL sip:bob@example.com SIP/2.0", cancel.StartLine);
        Assert.Equal(Uas1, cancel.Destination);
        Assert.Equal(invite.Headers("Via")[0], Assert.Single(cancel.Headers("Via")));
        Assert.Contains("ORIGINATOR_CANCEL", cancel.Text, StringComparison.Ordinal);

        Assert.Empty(_tm.Send(ResponseTo(cancel, 200, "OK"), Uas1));
        Sent[] terminated = _tm.Send(ResponseTo(invite, 487, "Request Terminated"), Uas1);
        Assert.Equal("ACK sip:bob@example.com SIP/2.0", terminated[0].StartLine);
        Assert.Equal("SIP/2.0 487 Request Terminated", terminated[1].StartLine); // failure_route: t_was_cancelled → exit
        Assert.Equal(Uac, terminated[1].Destination);
    }

    [Fact]
    public void NonInviteGetsNo100AndItsFinalEndsTheTransactionAfterTheWaitTimer()
    {
        Sent[] sent = _tm.Send(Request("OPTIONS", "z9hG4bK-o1"));
        Sent options = Assert.Single(sent);
        Assert.Equal(Uas1, options.Destination);
        Sent ok = Assert.Single(_tm.Send(ResponseTo(options, 200, "OK"), Uas1));
        Assert.Equal(Uac, ok.Destination);
        Assert.Equal("SIP/2.0 200 OK", Assert.Single(_tm.Send(Request("OPTIONS", "z9hG4bK-o1"))).StartLine); // retransmission
        _tm.Run(5200);
        Assert.Equal(0, _tm.Table.Count);
    }

    [Fact]
    public void ARequestBeyondTheTableIsAnswered503()
    {
        using var tm = new TmHarness(Head + "modparam(\"tm\", \"max_transactions\", 16)\nroute { $du = \"sip:127.0.0.2:5070\"; t_relay(); }\n");
        for (int i = 0; i < 16; i++)
        {
            tm.Send(Request("OPTIONS", "z9hG4bK-f" + i, "c" + i));
        }

        Sent full = Assert.Single(tm.Send(Request("OPTIONS", "z9hG4bK-f99", "c99")));
        Assert.Equal("SIP/2.0 503 Service Unavailable", full.StartLine);
        Assert.Equal(1, tm.Counters.TmTableFull);
    }
}
