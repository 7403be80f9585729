using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// t_replicate(uri): the copy goes to <c>uri</c> in a client transaction of its own (Timer E over UDP until a final,
/// Timer F = fr_timeout at most), its replies stay at the proxy, and the request's own processing is unchanged.
/// </summary>
public sealed class TmReplicateTests
{
    private const string Relay = Head + "loadmodule \"rr.so\"\nroute {\n  record_route();\n  t_replicate(\"sip:127.0.0.3:5070\");\n"
        + "  $du = \"sip:127.0.0.2:5070\";\n  t_relay();\n}\n";

    private const string Answer = Head + "route {\n  t_replicate(\"sip:127.0.0.3:5070\");\n  sl_send_reply(200, \"Replicated\");\n}\n";

    [Fact]
    public void TheCopyIsRetransmittedUntilItsFinalWhichNeverReachesTheCaller()
    {
        using var tm = new TmHarness(Relay);
        Sent[] sent = tm.Send(Request("MESSAGE", "z9hG4bK-m1"));
        Assert.Equal(2, sent.Length);
        Sent copy = Assert.Single(sent, s => s.Destination == Uas2);
        Sent relayed = Assert.Single(sent, s => s.Destination == Uas1);
        Assert.Equal("MESSAGE sip:bob@example.com SIP/2.0", copy.StartLine);
        Assert.Equal(2, copy.Headers("Via").Count);
        Assert.StartsWith("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtm", copy.Headers("Via")[0], StringComparison.Ordinal);
        Assert.NotEqual(copy.Headers("Via")[0], relayed.Headers("Via")[0]);
        Assert.Equal(1, tm.Counters.TmUacTransactions);

        // Timer E: T1, then 2·T1 ... the very same bytes.
        Sent again = Assert.Single(tm.Tick(500), s => s.Destination == Uas2);
        Assert.Equal(copy.Text, again.Text);
        Assert.Contains(tm.Tick(1000), s => s.Destination == Uas2);

        Assert.Empty(tm.Send(ResponseTo(copy, 202, "Accepted", ";tag=r2"), Uas2));
        Assert.Equal(1, tm.Counters.TmFinal2xx);

        // The request's own transaction goes on untouched: its 200 reaches the caller.
        Sent up = Assert.Single(tm.Send(ResponseTo(relayed, 200, "OK"), Uas1));
        Assert.Equal(Uac, up.Destination);
        Assert.Equal("SIP/2.0 200 OK", up.StartLine);
        Assert.Empty(tm.Run(4000));
    }

    [Fact]
    public void BothCopiesCarryTheScriptsRecordRouteOnceAndOneViaOfOurs()
    {
        using var tm = new TmHarness(Relay);
        Sent[] sent = tm.Send(Request("MESSAGE", "z9hG4bK-m2"));
        Assert.Equal(2, sent.Length);
        foreach (Sent s in sent)
        {
            Assert.Single(s.Headers("Record-Route"));
            Assert.Equal(2, s.Headers("Via").Count);
        }
    }

    [Fact]
    public void AnUnansweredCopyEndsAtTimerFAndIsFreedWithoutAReplyUpstream()
    {
        using var tm = new TmHarness(Answer);
        Sent[] sent = tm.Send(Request("MESSAGE", "z9hG4bK-m3"));
        Assert.Equal(2, sent.Length);
        Assert.Equal("SIP/2.0 200 Replicated", Assert.Single(sent, s => s.Destination == Uac).StartLine);
        Assert.Single(sent, s => s.Destination == Uas2);

        List<Sent> later = tm.Run(5000);
        Assert.DoesNotContain(later, s => s.Destination == Uac);
        Assert.True(later.Count(s => s.Destination == Uas2) >= 3, "Timer E retransmissions within fr_timeout");
        Assert.DoesNotContain(tm.Run(1000), s => s.Destination == Uas2); // Timer F ended it
        tm.Run(6000); // wt_timer
        Assert.Equal(0, tm.Table.Count);
    }

    [Fact]
    public void AMalformedUriIsRefusedWithoutATransaction()
    {
        using var tm = new TmHarness(Head + "route {\n  if (!t_replicate(\"not a uri\")) { sl_send_reply(500, \"No Copy\"); }\n}\n");
        Sent up = Assert.Single(tm.Send(Request("MESSAGE", "z9hG4bK-m4")));
        Assert.Equal("SIP/2.0 500 No Copy", up.StartLine);
        Assert.Equal(0, tm.Table.Count);
    }
}
