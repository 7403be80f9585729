using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// The Reason header (RFC 3326) of the CANCELs tm sends: tm's own by cause (the caller's CANCEL, a 2xx elsewhere, Timer
/// C), the caller's own with t_relay("pass-reason-hdr") on the CANCEL, and the right one too for a branch cancelled
/// before it answered (its CANCEL leaves at its first provisional, RFC 3261 §9.1); and none after a 2xx when the INVITE
/// asked Request-Disposition: no-cancel and t_relay has allow-no-cancel (RFC 3841).
/// </summary>
public sealed class TmCancelReasonTests
{
    private const string CallerReason = "Reason: Q.850;cause=16;text=\"Normal call clearing\"";

    private static string Script(string cancelFlags) => Head
        + "route {\n"
        + $"  if (is_method(\"CANCEL\")) {{ if (t_check_trans()) t_relay({cancelFlags}); exit; }}\n"
        + "  $du = \"sip:127.0.0.2:5070\";\n"
        + "  append_branch(\"sip:carol@127.0.0.3:5070\");\n"
        + "  t_relay();\n"
        + "}\n";

    private static string CancelWith(string extraHeaders) =>
        Request("CANCEL", "z9hG4bK-c1").Replace("Content-Length: 0\r\n", extraHeaders + "Content-Length: 0\r\n", StringComparison.Ordinal);

    private static (Sent ToUas1, Sent ToUas2) Fork(TmHarness tm)
    {
        Sent[] sent = tm.Send(Invite());
        return (Assert.Single(sent, s => s.Destination == Uas1), Assert.Single(sent, s => s.Destination == Uas2));
    }

    private static Sent CancelTo(IEnumerable<Sent> sent, Hyperproxy.Sip.NetAddress uas) =>
        Assert.Single(sent, s => s.StartLine.StartsWith("CANCEL ", StringComparison.Ordinal) && s.Destination == uas);

    [Fact]
    public void PassReasonHdrCarriesTheCallersReasonNowAndAtALaterFirstProvisional()
    {
        using var tm = new TmHarness(Script("\"pass-reason-hdr\""));
        (Sent a, Sent b) = Fork(tm);
        tm.Send(ResponseTo(a, 180, "Ringing"), Uas1);

        Sent[] cancelled = tm.Send(CancelWith(CallerReason + "\r\nReason: SIP;cause=600;text=\"Busy Everywhere\"\r\n"));
        Sent now = CancelTo(cancelled, Uas1);
        Assert.Equal(["Q.850;cause=16;text=\"Normal call clearing\"", "SIP;cause=600;text=\"Busy Everywhere\""], now.Headers("Reason"));
        Assert.DoesNotContain(cancelled, s => s.Destination == Uas2); // no provisional from carol yet

        Sent later = CancelTo(tm.Send(ResponseTo(b, 180, "Ringing", ";tag=uas2"), Uas2), Uas2);
        Assert.Equal(now.Headers("Reason"), later.Headers("Reason"));
    }

    [Fact]
    public void PassReasonHdrWithoutAReasonInTheCancelSendsTmsOwn()
    {
        using var tm = new TmHarness(Script("\"pass-reason-hdr\""));
        (Sent a, _) = Fork(tm);
        tm.Send(ResponseTo(a, 180, "Ringing"), Uas1);
        Sent cancel = CancelTo(tm.Send(CancelWith("")), Uas1);
        Assert.Equal(["SIP;cause=487;text=\"ORIGINATOR_CANCEL\""], cancel.Headers("Reason"));
    }

    [Fact]
    public void WithoutTheFlagTheCallersReasonStaysWithTheCaller()
    {
        using var tm = new TmHarness(Script(""));
        (Sent a, _) = Fork(tm);
        tm.Send(ResponseTo(a, 180, "Ringing"), Uas1);
        Sent cancel = CancelTo(tm.Send(CancelWith(CallerReason + "\r\n")), Uas1);
        Assert.Equal(["SIP;cause=487;text=\"ORIGINATOR_CANCEL\""], cancel.Headers("Reason"));
    }

    [Fact]
    public void ABranchCancelledByA2xxElsewhereBeforeItAnsweredSaysSoAtItsFirstProvisional()
    {
        using var tm = new TmHarness(Script(""));
        (Sent a, Sent b) = Fork(tm);
        Sent[] answered = tm.Send(ResponseTo(a, 200, "OK"), Uas1);
        Assert.DoesNotContain(answered, s => s.StartLine.StartsWith("CANCEL ", StringComparison.Ordinal)); // carol has not answered

        Sent cancel = CancelTo(tm.Send(ResponseTo(b, 180, "Ringing", ";tag=uas2"), Uas2), Uas2);
        Assert.Equal(["SIP;cause=200;text=\"Call completed elsewhere\""], cancel.Headers("Reason"));
    }

    [Fact]
    public void AllowNoCancelLeavesTheOtherBranchesRunningAfterA2xxWhenTheInviteAsksNoCancel()
    {
        // RFC 3841 §9.1: Request-Disposition: no-cancel; OpenSIPS honours it with t_relay("allow-no-cancel").
        string script = Head + "route {\n  $du = \"sip:127.0.0.2:5070\";\n  append_branch(\"sip:carol@127.0.0.3:5070\");\n  t_relay(\"allow-no-cancel\");\n}\n";
        using var tm = new TmHarness(script);
        string invite = Invite().Replace("Content-Length: 0\r\n", "Request-Disposition: proxy, no-cancel\r\nContent-Length: 0\r\n", StringComparison.Ordinal);
        Sent[] sent = tm.Send(invite);
        Sent a = Assert.Single(sent, s => s.Destination == Uas1);
        Sent b = Assert.Single(sent, s => s.Destination == Uas2);
        tm.Send(ResponseTo(b, 180, "Ringing", ";tag=uas2"), Uas2);
        Sent[] answered = tm.Send(ResponseTo(a, 200, "OK"), Uas1);
        Assert.Contains(answered, s => s.StartLine == "SIP/2.0 200 OK" && s.Destination == Uac);
        Assert.DoesNotContain(answered, s => s.StartLine.StartsWith("CANCEL ", StringComparison.Ordinal));

        // carol answers too: her 2xx is relayed as well (RFC 3261 §16.7 step 5).
        Sent second = Assert.Single(tm.Send(ResponseTo(b, 200, "OK", ";tag=uas2"), Uas2));
        Assert.Equal("SIP/2.0 200 OK", second.StartLine);
        Assert.Contains(";tag=uas2", second.Headers("To")[0], StringComparison.Ordinal);
    }

    [Fact]
    public void NoCancelIsNotHonouredWithoutTheFlagNorTheFlagWithoutTheHeader()
    {
        foreach ((string flags, string header) in new[] { ("", "Request-Disposition: no-cancel\r\n"), ("\"allow-no-cancel\"", "") })
        {
            string script = Head + $"route {{\n  $du = \"sip:127.0.0.2:5070\";\n  append_branch(\"sip:carol@127.0.0.3:5070\");\n  t_relay({flags});\n}}\n";
            using var tm = new TmHarness(script);
            Sent[] sent = tm.Send(Invite().Replace("Content-Length: 0\r\n", header + "Content-Length: 0\r\n", StringComparison.Ordinal));
            Sent a = Assert.Single(sent, s => s.Destination == Uas1);
            Sent b = Assert.Single(sent, s => s.Destination == Uas2);
            tm.Send(ResponseTo(b, 180, "Ringing", ";tag=uas2"), Uas2);
            Sent cancel = CancelTo(tm.Send(ResponseTo(a, 200, "OK"), Uas1), Uas2);
            Assert.Equal(["SIP;cause=200;text=\"Call completed elsewhere\""], cancel.Headers("Reason"));
        }
    }
}
