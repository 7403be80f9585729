using Hyperproxy.Sip;
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
    public void EveryContactLookupFoundGetsItsOwnPathAsItsRouteSet()
    {
        using var store = new Hyperproxy.Location.Faster.FasterLocationStore(new Hyperproxy.Location.LocationStoreOptions { ExpectedAors = 64 });
        using var tm = new TmHarness(Head + "loadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\nroute {\n"
            + "  if (is_method(\"REGISTER\")) { save(\"location\", \"p2\"); exit; }\n"
            + "  if (!lookup(\"location\")) { t_reply(404, \"Not Found\"); exit; }\n  t_relay();\n}\n",
            configure: catalog => catalog.Registrar.UseStore(store));
        (string Contact, string Path, NetAddress Edge)[] bindings =
        [
            ("sip:bob@10.0.0.1:5060", "<sip:edge1@127.0.0.4:5060;lr;received=sip:198.51.100.1:4000>", NetAddress.FromIPv4(127, 0, 0, 4, 5060)),
            ("sip:bob@10.0.0.2:5060", "<sip:edge2@127.0.0.5:5060;lr>,<sip:edge2b@127.0.0.6:5060;lr>", NetAddress.FromIPv4(127, 0, 0, 5, 5060)),
        ];
        int n = 0;
        foreach ((string contact, string path, _) in bindings)
        {
            n++;
            string register = $"REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-r{n}\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:bob@example.com>;tag=r1\r\nTo: <sip:bob@example.com>\r\n"
                + $"Call-ID: reg-{n}\r\nCSeq: 1 REGISTER\r\nContact: <{contact}>\r\nPath: {path}\r\nSupported: path\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n";
            Assert.Equal("SIP/2.0 200 OK", Assert.Single(tm.Send(register)).StartLine);
        }

        Sent[] sent = tm.Send(Invite());
        Assert.Equal(3, sent.Length);
        foreach ((string contact, string path, NetAddress edge) in bindings)
        {
            Sent branch = Assert.Single(sent, s => s.StartLine == $"INVITE {contact} SIP/2.0");
            Assert.Equal(edge, branch.Destination);
            Assert.Equal([path], branch.Headers("Route"));
        }
    }

    [Fact]
    public void EveryBranchCarriesTheRecordRouteAndTheScriptsHeaders()
    {
        using var tm = new TmHarness(Head + "loadmodule \"rr.so\"\nroute {\n  record_route();\n  append_hf(\"X-Added: 1\\r\\n\");\n"
            + "  $du = \"sip:127.0.0.2:5070\";\n  append_branch(\"sip:carol@127.0.0.3:5070\");\n  t_relay();\n}\n");
        Sent[] sent = tm.Send(Invite());
        Assert.Equal(3, sent.Length);
        foreach (Sent branch in sent[1..])
        {
            Assert.Single(branch.Headers("Record-Route"));
            Assert.Equal(["1"], branch.Headers("X-Added"));
        }
    }

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
