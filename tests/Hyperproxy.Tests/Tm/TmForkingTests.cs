using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

public sealed class TmForkingTests : IDisposable
{
    private const string ForkScript = Head
        + "route {\n  if (is_method(\"CANCEL\")) { if (t_check_trans()) t_relay(); exit; }\n"
        + "  $du = \"sip:127.0.0.2:5070\";\n  append_branch(\"sip:carol@127.0.0.3:5070\");\n  t_relay();\n}\n";

    private readonly TmHarness _tm = new(ForkScript);

    public void Dispose() => _tm.Dispose();

    private (Sent First, Sent Second) Fork()
    {
        Sent[] sent = _tm.Send(Invite());
        Assert.Equal(3, sent.Length);
        Assert.Equal("SIP/2.0 100 Giving it a try", sent[0].StartLine);
        Assert.Equal("INVITE sip:bob@example.com SIP/2.0", sent[1].StartLine);
        Assert.Equal(Uas1, sent[1].Destination);
        Assert.Equal("INVITE sip:carol@127.0.0.3:5070 SIP/2.0", sent[2].StartLine);
        Assert.Equal(Uas2, sent[2].Destination);
        Assert.NotEqual(sent[1].Headers("Via")[0], sent[2].Headers("Via")[0]);
        Assert.Equal(2, sent[2].Headers("Via").Count);
        return (sent[1], sent[2]);
    }

    [Fact]
    public void AppendBranchForksInParallel() => Fork();

    [Fact]
    public void TheFirst2xxWinsAndTheRingingBranchIsCancelled()
    {
        (Sent first, Sent second) = Fork();
        _tm.Send(ResponseTo(second, 180, "Ringing", ";tag=u2"), Uas2);
        Sent[] sent = _tm.Send(ResponseTo(first, 200, "OK"), Uas1);
        Assert.Equal(2, sent.Length);
        Assert.Equal("SIP/2.0 200 OK", sent[0].StartLine);
        Assert.Equal(Uac, sent[0].Destination);
        Assert.Equal("CANCEL sip:carol@127.0.0.3:5070 SIP/2.0", sent[1].StartLine);
        Assert.Equal(Uas2, sent[1].Destination);
        Assert.Contains("Call completed elsewhere", sent[1].Text, StringComparison.Ordinal);
        // The cancelled branch's 487 is ACKed and goes no further.
        Sent[] late = _tm.Send(ResponseTo(second, 487, "Request Terminated", ";tag=u2"), Uas2);
        Assert.Equal("ACK sip:carol@127.0.0.3:5070 SIP/2.0", Assert.Single(late).StartLine);
    }

    [Fact]
    public void ABranchWithoutAProvisionalIsCancelledWhenItsProvisionalArrives()
    {
        (Sent first, Sent second) = Fork();
        _tm.Send(ResponseTo(first, 200, "OK"), Uas1);
        Sent[] sent = _tm.Send(ResponseTo(second, 180, "Ringing", ";tag=u2"), Uas2);
        Assert.Equal("CANCEL sip:carol@127.0.0.3:5070 SIP/2.0", Assert.Single(sent).StartLine);
    }

    [Fact]
    public void ASixHundredEndsForkingAndCancelsTheRest()
    {
        (Sent first, Sent second) = Fork();
        _tm.Send(ResponseTo(second, 180, "Ringing", ";tag=u2"), Uas2);
        Sent[] sent = _tm.Send(ResponseTo(first, 603, "Decline"), Uas1);
        Assert.Contains(sent, s => s.StartLine == "ACK sip:bob@example.com SIP/2.0");
        Assert.Contains(sent, s => s.StartLine == "CANCEL sip:carol@127.0.0.3:5070 SIP/2.0");
        Sent up = Assert.Single(sent, s => s.Destination == Uac);
        Assert.Equal("SIP/2.0 603 Decline", up.StartLine);
    }

    [Fact]
    public void TheBestNegativeFinalGoesUpOnceEveryBranchHasAnswered()
    {
        (Sent first, Sent second) = Fork();
        Sent[] one = _tm.Send(ResponseTo(first, 503, "Busy Servers"), Uas1);
        Assert.DoesNotContain(one, s => s.Destination == Uac);
        Sent[] two = _tm.Send(ResponseTo(second, 486, "Busy Here", ";tag=u2"), Uas2);
        Sent up = Assert.Single(two, s => s.Destination == Uac);
        Assert.Equal("SIP/2.0 486 Busy Here", up.StartLine);
    }

    [Fact]
    public void TheWinning401CarriesTheChallengesOfEveryOther401And407()
    {
        (Sent first, Sent second) = Fork();
        string challenge1 = "WWW-Authenticate: Digest realm=\"one.example\", nonce=\"n1\"";
        string challenge2 = "Proxy-Authenticate: Digest realm=\"two.example\", nonce=\"n2\", algorithm=SHA-256";
        string challenge3 = "Proxy-Authenticate: Digest realm=\"two.example\", nonce=\"n3\"";
        _tm.Send(ResponseTo(first, 401, "Unauthorized").Replace("Content-Length", challenge1 + "\r\nContent-Length", StringComparison.Ordinal), Uas1);
        Sent[] sent = _tm.Send(ResponseTo(second, 407, "Proxy Authentication Required", ";tag=u2")
            .Replace("Content-Length", challenge2 + "\r\n" + challenge3 + "\r\nContent-Length", StringComparison.Ordinal), Uas2);
        Sent up = Assert.Single(sent, s => s.Destination == Uac);
        Assert.Equal("SIP/2.0 401 Unauthorized", up.StartLine); // 401 ranks before 407
        Assert.Equal(["Digest realm=\"one.example\", nonce=\"n1\""], up.Headers("WWW-Authenticate"));
        Assert.Equal(["Digest realm=\"two.example\", nonce=\"n2\", algorithm=SHA-256", "Digest realm=\"two.example\", nonce=\"n3\""],
            up.Headers("Proxy-Authenticate"));
        Assert.Single(up.Headers("Via"));
    }

    [Fact]
    public void AWinningNon401FinalCarriesNoChallenges()
    {
        (Sent first, Sent second) = Fork();
        _tm.Send(ResponseTo(first, 407, "Proxy Authentication Required").Replace("Content-Length", "Proxy-Authenticate: Digest realm=\"x\", nonce=\"n\"\r\nContent-Length", StringComparison.Ordinal), Uas1);
        Sent up = Assert.Single(_tm.Send(ResponseTo(second, 302, "Moved", ";tag=u2"), Uas2), s => s.Destination == Uac);
        Assert.Equal("SIP/2.0 302 Moved", up.StartLine);
        Assert.Empty(up.Headers("Proxy-Authenticate"));
    }

    [Fact]
    public void CancelReachesEveryRingingBranch()
    {
        (Sent first, Sent second) = Fork();
        _tm.Send(ResponseTo(first, 180, "Ringing"), Uas1);
        _tm.Send(ResponseTo(second, 180, "Ringing", ";tag=u2"), Uas2);
        Sent[] sent = _tm.Send(Request("CANCEL", "z9hG4bK-c1"));
        Assert.Equal(3, sent.Length);
        Assert.Equal(2, sent.Count(s => s.StartLine.StartsWith("CANCEL", StringComparison.Ordinal)));
        Assert.Equal("SIP/2.0 200 canceling", Assert.Single(sent, s => s.Destination == Uac).StartLine);
    }
}
