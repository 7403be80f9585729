using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Proxy.Transactions;
using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

public sealed class TmRouteTests
{
    private static Sent Relay(TmHarness tm)
    {
        Sent[] sent = tm.Send(Invite());
        return Assert.Single(sent, s => s.StartLine.StartsWith("INVITE", StringComparison.Ordinal));
    }

    [Fact]
    public void NamedOnReplyRouteArmedByTOnReplySeesTheReplyAndCanDropAProvisional()
    {
        using var tm = new TmHarness(Head
            + "route { t_on_reply(\"r1\"); $du = \"sip:127.0.0.2:5070\"; t_relay(); }\n"
            + "onreply_route[r1] {\n  $var(code) = $T_reply_code;\n  if (t_check_status(\"183\")) { drop; }\n  append_hf(\"X-Seen: $T_reply_code $T_branch_idx\\r\\n\");\n}\n");
        Sent invite = Relay(tm);
        Assert.Empty(tm.Send(ResponseTo(invite, 183, "Session Progress"), Uas1));
        Sent ringing = Assert.Single(tm.Send(ResponseTo(invite, 180, "Ringing"), Uas1));
        Assert.Equal(["180 0"], ringing.Headers("X-Seen"));
    }

    [Fact]
    public void FailureRouteSeesTheReplyCodeReasonAndRequestUriAndCanReplyItself()
    {
        using var tm = new TmHarness(Head
            + "route { t_on_failure(\"f\"); $du = \"sip:127.0.0.2:5070\"; t_relay(); }\n"
            + "failure_route[f] {\n  if ($T_reply_code == 404 && $T_reply_reason == \"Not Here\" && $T_ruri == \"sip:bob@example.com\") {\n"
            + "    t_reply(480, \"Gone Fishing\");\n  }\n}\n");
        Sent invite = Relay(tm);
        Sent[] sent = tm.Send(ResponseTo(invite, 404, "Not Here"), Uas1);
        Assert.Equal(2, sent.Length);
        Assert.Equal("ACK sip:bob@example.com SIP/2.0", sent[0].StartLine);
        Assert.Equal("SIP/2.0 480 Gone Fishing", sent[1].StartLine);
        Assert.Equal(Uac, sent[1].Destination);
        Assert.Equal("SIP/2.0/UDP 127.0.0.9:40000;received=127.0.0.9;branch=z9hG4bK-c1;rport=40000", Assert.Single(sent[1].Headers("Via")));
    }

    [Fact]
    public void SendReplyInAFailureRouteAnswersStatefully()
    {
        using var tm = new TmHarness(Head + "loadmodule \"signaling.so\"\n"
            + "route { t_on_failure(\"f\"); $du = \"sip:127.0.0.2:5070\"; t_relay(); }\n"
            + "failure_route[f] { send_reply(404, \"Nobody Home\"); }\n");
        Sent invite = Relay(tm);
        Sent[] sent = tm.Send(ResponseTo(invite, 500, "Oops"), Uas1);
        Sent up = Assert.Single(sent, s => s.Destination == Uac);
        Assert.Equal("SIP/2.0 404 Nobody Home", up.StartLine);
        Assert.Single(up.Headers("Via"));
    }

    [Fact]
    public void AvpsSetBeforeTRelayReachEveryFailureRouteWithTheChangesOfTheLastOne()
    {
        using var tm = new TmHarness(Head
            + "route { $avp(next) = \"sip:127.0.0.3:5070\"; $avp(next) = \"sip:127.0.0.2:5070\"; $avp(n) = 7; t_on_failure(\"f\"); $du = \"sip:127.0.0.2:5070\"; t_relay(); }\n"
            + "failure_route[f] {\n  $avp(next) = NULL;\n  if ($avp(next) != NULL) { append_hf(\"X-Left: $avp(n) $(avp(next)[*])\\r\\n\"); $du = $avp(next); t_on_failure(\"f\"); t_relay(); }\n"
            + "  else { t_reply(480, \"Tried $avp(n)\"); }\n}\n");
        Sent invite = Relay(tm);
        Sent second = Assert.Single(tm.Send(ResponseTo(invite, 503, "Down"), Uas1), s => s.StartLine.StartsWith("INVITE", StringComparison.Ordinal));
        Assert.Equal(Uas2, second.Destination);
        Assert.Equal(["7 sip:127.0.0.3:5070"], second.Headers("X-Left"));
        Sent[] last = tm.Send(ResponseTo(second, 503, "Down", ";tag=u2"), Uas2);
        Assert.Contains(last, s => s.StartLine == "SIP/2.0 480 Tried 7");
    }

    [Fact]
    public void TheFailureRouteIsDisarmedWhenItStarts()
    {
        using var tm = new TmHarness(Head
            + "route { t_on_failure(\"f\"); $du = \"sip:127.0.0.2:5070\"; t_relay(); }\n"
            + "failure_route[f] { $du = \"sip:127.0.0.3:5070\"; t_relay(); }\n");
        Sent invite = Relay(tm);
        Sent second = tm.Send(ResponseTo(invite, 500, "Oops"), Uas1)[1];
        Assert.Equal(Uas2, second.Destination);
        Sent[] last = tm.Send(ResponseTo(second, 404, "Not Found", ";tag=u2"), Uas2);
        Assert.Equal(2, last.Length);
        Assert.Equal("SIP/2.0 404 Not Found", last[1].StartLine); // 404 ranks before 500
    }

    [Fact]
    public void BestResponseRanksAsOpenSips()
    {
        Assert.True(StatelessProxy.Rank(603, false) < StatelessProxy.Rank(302, false));
        Assert.True(StatelessProxy.Rank(302, false) < StatelessProxy.Rank(401, false));
        Assert.True(StatelessProxy.Rank(401, false) < StatelessProxy.Rank(407, false));
        Assert.True(StatelessProxy.Rank(484, false) < StatelessProxy.Rank(404, false));
        Assert.True(StatelessProxy.Rank(486, false) < StatelessProxy.Rank(500, false));
        Assert.True(StatelessProxy.Rank(500, false) < StatelessProxy.Rank(408, false));
        Assert.True(StatelessProxy.Rank(408, false) < StatelessProxy.Rank(503, false));
        Assert.True(StatelessProxy.Rank(487, true) < StatelessProxy.Rank(603, true));
    }

    [Fact]
    public void A503IsRelayedAs500()
    {
        using var tm = new TmHarness(Head + "route { $du = \"sip:127.0.0.2:5070\"; t_relay(); }\n");
        Sent invite = Relay(tm);
        Sent[] sent = tm.Send(ResponseTo(invite, 503, "Service Unavailable"), Uas1);
        Assert.Equal("SIP/2.0 500 Service Unavailable", sent[1].StartLine);
    }

    [Fact]
    public void TNewtranStopsTheScriptOnARetransmission()
    {
        using var tm = new TmHarness(Head + "route { if (!t_newtran()) { xlog(\"never\"); } t_reply(404, \"Nobody\"); }\n");
        Sent first = Assert.Single(tm.Send(Request("OPTIONS", "z9hG4bK-n1")));
        Assert.Equal("SIP/2.0 404 Nobody", first.StartLine);
        Sent again = Assert.Single(tm.Send(Request("OPTIONS", "z9hG4bK-n1")));
        Assert.Equal(first.Text, again.Text); // the same bytes, To tag included
    }

    [Fact]
    public void TCheckTransAnswersCancelAndAckAndRetransmissions()
    {
        using var tm = new TmHarness(Head
            + "route {\n  if (t_check_trans()) { append_to_reply(\"X-T: yes\\r\\n\"); sl_send_reply(299, \"Known\"); exit; }\n"
            + "  if (is_method(\"CANCEL\") || is_method(\"ACK\")) { sl_send_reply(298, \"Unknown\"); exit; }\n"
            + "  $du = \"sip:127.0.0.2:5070\"; t_relay();\n}\n");
        Assert.Equal("SIP/2.0 298 Unknown", Assert.Single(tm.Send(Request("CANCEL", "z9hG4bK-x"))).StartLine);
        Relay(tm);
        Assert.Equal("SIP/2.0 299 Known", Assert.Single(tm.Send(Request("CANCEL", "z9hG4bK-c1"))).StartLine);
        // A retransmitted INVITE: t_check_trans re-sends the last reply (100) and stops the script.
        Assert.Equal("SIP/2.0 100 Giving it a try", Assert.Single(tm.Send(Invite())).StartLine);
    }

    [Theory]
    [InlineData("failure_route[f] { t_newtran(); }", "t_newtran")]
    [InlineData("failure_route[f] { t_check_trans(); }", "t_check_trans")]
    [InlineData("onreply_route[f] { t_relay(); }", "t_relay")]
    public void TheBinderRefusesATmFunctionOutsideItsRouteTypes(string block, string function)
    {
        var catalog = new ModuleCatalog();
        string text = Head + "route { t_on_failure(\"f\"); t_on_reply(\"f\"); exit; }\nfailure_route[f] { exit; }\nonreply_route[f] { exit; }\n" + block.Replace("[f]", "[g]", StringComparison.Ordinal) + "\n";
        Assert.Null(catalog.TryLoadText(text, "tm.cfg", out var errors));
        string error = Assert.Single(errors).ToString();
        Assert.StartsWith("tm.cfg:10:", error, StringComparison.Ordinal);
        Assert.Contains($"'{function}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownRelayFlagStopsStartUpAtItsPosition()
    {
        var catalog = new ModuleCatalog();
        Assert.Null(catalog.TryLoadText(Head + "route {\n  t_relay(\"no-such-flag\");\n}\n", "tm.cfg", out var errors));
        Assert.StartsWith("tm.cfg:8:11: ", Assert.Single(errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RelayFlagsTmHonoursLoad()
    {
        var catalog = new ModuleCatalog();
        Assert.NotNull(catalog.TryLoadText(Head + "route {\n  t_relay(\"no-auto-477,no-dns-failover,no-100-trying,pass-reason-hdr,allow-no-cancel\");\n  t_relay(\"31\");\n}\n", "tm.cfg", out var errors));
        Assert.Empty(errors);
    }

    [Fact]
    public void ARepliesOnAnotherWorkerAreHandedToTheOwner()
    {
        var hub = new TransactionHub(2);
        var counters = new ProxyCounters[2];
        using var owner = new TmHarness(TmHarness.Script, hub, 0, counters);
        using var other = new TmHarness(TmHarness.Script, hub, 1, counters);
        Sent invite = Relay(owner);
        Assert.Empty(other.Send(ResponseTo(invite, 180, "Ringing"), Uas1));
        Assert.Equal(1, counters[1].TmHandoffsSent);
        Assert.Equal(0, owner.Proxy.MillisecondsUntilDue()); // the owner is due at once
        Sent ringing = Assert.Single(owner.Tick(0));
        Assert.Equal("SIP/2.0 180 Ringing", ringing.StartLine);
        Assert.Equal(1, counters[0].TmHandoffsReceived);
    }

    [Fact]
    public void AnOwnerHoldingTransactionsWaitsAtMostTheHandoffBound()
    {
        var hub = new TransactionHub(2);
        var counters = new ProxyCounters[2];
        using var owner = new TmHarness(TmHarness.Script, hub, 0, counters);
        Assert.Equal(int.MaxValue, owner.Proxy.MillisecondsUntilDue());
        Relay(owner);
        Assert.True(owner.Proxy.MillisecondsUntilDue() <= TransactionHub.HandoffPollMs);
    }
}
