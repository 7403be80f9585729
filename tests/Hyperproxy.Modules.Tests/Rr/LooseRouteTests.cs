namespace Hyperproxy.Modules.Tests.Rr;

/// <summary>
/// loose_route() over RFC 3261 §16.12's examples with this proxy at 127.0.0.1:5060 in the place of
/// each proxy in turn (other proxies and UAs on numeric loopback addresses).
/// </summary>
public sealed class LooseRouteTests
{
    private const string InDialog = "route {\n if (loose_route()) { $var(r) = \"true\"; } else { $var(r) = \"false\"; }\n"
        + " append_hf(\"X-Result: $var(r) du=$du rr=$rr_params\\r\\n\"); forward();\n}\n";

    private static Sent Run(string request, int socket = 0, string modparams = "")
    {
        var h = new ModuleHarness(InDialog, modparams);
        return Assert.Single(h.Run(request, socket));
    }

    [Fact]
    public void TrapezoidByeWithOnlyOurRouteGoesToTheRequestUri()
    {
        // §16.12.1.1: the BYE reaches P1 with P1's entry only; P1 removes it and routes on the R-URI.
        Sent fwd = Run(Requests.Make("BYE", "sip:alice@127.0.0.9:40000", ["<sip:127.0.0.1;lr;ftag=abc>"], toTag: "xyz"));
        Assert.Equal("BYE sip:alice@127.0.0.9:40000 SIP/2.0", fwd.StartLine);
        Assert.Empty(fwd.Headers("Route"));
        Assert.Equal("true du=<null> rr=lr;ftag=abc", Assert.Single(fwd.Headers("X-Result")));
        Assert.Equal(40000, fwd.Destination.Port);
    }

    [Fact]
    public void TrapezoidAckWithTwoRoutesGoesToTheNextLooseHop()
    {
        // §16.12.1.1: the ACK from U1 carries Route: <P1;lr>,<P2;lr>; P1 pops its own, P2 stays on top, $du = P2.
        Sent fwd = Run(Requests.Make("ACK", "sip:bob@127.0.0.5:5090", ["<sip:127.0.0.1;lr>,<sip:127.0.0.2:5070;lr>"], toTag: "xyz"));
        Assert.Equal(["<sip:127.0.0.2:5070;lr>"], fwd.Headers("Route"));
        Assert.Equal("ACK sip:bob@127.0.0.5:5090 SIP/2.0", fwd.StartLine);
        Assert.Equal("true du=sip:127.0.0.2:5070;lr rr=lr", Assert.Single(fwd.Headers("X-Result")));
        Assert.Equal(5070, fwd.Destination.Port);
    }

    [Fact]
    public void RoutesInSeparateLinesAreRemovedLineByLine()
    {
        Sent fwd = Run(Requests.Make("ACK", "sip:bob@127.0.0.5:5090", ["<sip:127.0.0.1;lr>", "<sip:127.0.0.2:5070;lr>", "<sip:127.0.0.3;lr>"], toTag: "x"));
        Assert.Equal(["<sip:127.0.0.2:5070;lr>", "<sip:127.0.0.3;lr>"], fwd.Headers("Route"));
    }

    [Fact]
    public void LooseRouterBeforeAStrictRouterRewritesTheRequestUri()
    {
        // §16.12.1.2: P1 (us, loose) -> P2 (strict) -> P3: Request-URI := P2, the old R-URI becomes the last Route.
        Sent fwd = Run(Requests.Make("BYE", "sip:callee@127.0.0.5:5090",
            ["<sip:127.0.0.1;lr>,<sip:127.0.0.2:5070>,<sip:127.0.0.3;lr>"], toTag: "x"));
        Assert.Equal("BYE sip:127.0.0.2:5070 SIP/2.0", fwd.StartLine);
        Assert.Equal(["<sip:127.0.0.3;lr>", "<sip:callee@127.0.0.5:5090>"], fwd.Headers("Route"));
        Assert.Equal("true du=<null> rr=lr", Assert.Single(fwd.Headers("X-Result")));
        Assert.Equal(5070, fwd.Destination.Port);
    }

    [Fact]
    public void AfterAStrictRouterWithAStrictRemoteTargetTheRemoteTargetBecomesTheRequestUri()
    {
        // §16.12.1.2: P2 (strict) sent "BYE sip:P3;lr" with Route: <sip:callee@U2>; we are P3.
        Sent fwd = Run(Requests.Make("BYE", "sip:127.0.0.1;lr;ftag=abc", ["<sip:callee@127.0.0.5:5090>"], toTag: "x"));
        Assert.Equal("BYE sip:callee@127.0.0.5:5090 SIP/2.0", fwd.StartLine);
        Assert.Empty(fwd.Headers("Route"));
        Assert.Equal(5090, fwd.Destination.Port);
    }

    [Fact]
    public void AfterAStrictRouterWithALooseNextHopTheLastRouteBecomesTheRequestUri()
    {
        // §16.4: our RR URI in the R-URI; the last Route is the remote target the strict router saved.
        Sent fwd = Run(Requests.Make("BYE", "sip:127.0.0.1;lr;nat=yes", ["<sip:127.0.0.2:5070;lr>,<sip:callee@127.0.0.5:5090>"], toTag: "x"));
        Assert.Equal("BYE sip:callee@127.0.0.5:5090 SIP/2.0", fwd.StartLine);
        Assert.Equal(["<sip:127.0.0.2:5070;lr>"], fwd.Headers("Route"));
        // As OpenSIPS: $rr_params are those of the rewritten R-URI (the remote target has none).
        Assert.Equal("true du=sip:127.0.0.2:5070;lr rr=", Assert.Single(fwd.Headers("X-Result")));
        Assert.Equal(5070, fwd.Destination.Port);
    }

    [Fact]
    public void MixedRouteSetStrictRouterOnTheWayBack()
    {
        // §16.12.1.2 reversed: U2 -> P3 -> P2 (strict) -> P1 (us): P2 put us in the R-URI; our next is U1's contact.
        Sent fwd = Run(Requests.Make("BYE", "sip:127.0.0.1;lr", ["<sip:caller@127.0.0.9:40000>"], toTag: "x"));
        Assert.Equal("BYE sip:caller@127.0.0.9:40000 SIP/2.0", fwd.StartLine);
        Assert.Empty(fwd.Headers("Route"));
    }

    [Fact]
    public void ForeignTopRouteIsTheNextHopAndLooseRouteIsTrue()
    {
        Sent fwd = Run(Requests.Make("INVITE", "sip:bob@example.com", ["<sip:127.0.0.2:5070;lr;foo=1>"]));
        Assert.Equal(["<sip:127.0.0.2:5070;lr;foo=1>"], fwd.Headers("Route"));
        Assert.Equal("true du=sip:127.0.0.2:5070;lr;foo=1 rr=<null>", Assert.Single(fwd.Headers("X-Result")));
    }

    [Fact]
    public void PreloadedRequestWithOnlyOurRouteIsFalseAndTheRouteIsRemoved()
    {
        Sent fwd = Run(Requests.Make("INVITE", "sip:bob@127.0.0.5:5090", ["<sip:127.0.0.1;lr>"]));
        Assert.Empty(fwd.Headers("Route"));
        Assert.Equal("false du=<null> rr=lr", Assert.Single(fwd.Headers("X-Result")));
    }

    [Fact]
    public void NoRouteIsFalse()
    {
        Sent fwd = Run(Requests.Make("BYE", "sip:bob@127.0.0.5:5090", null, toTag: "x"));
        Assert.Equal("false du=<null> rr=<null>", Assert.Single(fwd.Headers("X-Result")));
    }

    [Fact]
    public void PreloadedRequestWithOurUriInTheRequestUriIsNotTreatedAsStrict()
    {
        Sent fwd = Run(Requests.Make("INVITE", "sip:127.0.0.1", ["<sip:127.0.0.2:5070;lr>"]));
        Assert.Equal("INVITE sip:127.0.0.1 SIP/2.0", fwd.StartLine);
        Assert.Equal("true du=sip:127.0.0.2:5070;lr rr=<null>", Assert.Single(fwd.Headers("X-Result")));
    }

    [Fact]
    public void DoubleRouteEntriesAreRemovedTogetherAndTheSocketIsForced()
    {
        // The pair a double record_route() left when the INVITE went from [::1] out of 127.0.0.1.
        Sent fwd = Run(Requests.Make("BYE", "sip:alice@127.0.0.9:40000",
            ["<sip:[::1];r2=on;lr;ftag=abc>,<sip:127.0.0.1;r2=on;lr;ftag=abc>"], toTag: "x"), socket: 1);
        Assert.Empty(fwd.Headers("Route"));
        Assert.Equal(0, fwd.Socket);
        Assert.Equal("true du=<null> rr=r2=on;lr;ftag=abc", Assert.Single(fwd.Headers("X-Result")));
    }

    [Fact]
    public void DoubleRouteEntriesFollowedByAnotherHop()
    {
        Sent fwd = Run(Requests.Make("BYE", "sip:alice@127.0.0.9:40000",
            ["<sip:127.0.0.1:5080;r2=on;lr>", "<sip:127.0.0.1;r2=on;lr>,<sip:127.0.0.2:5070;lr>"], toTag: "x"), socket: 2);
        Assert.Equal(["<sip:127.0.0.2:5070;lr>"], fwd.Headers("Route"));
        Assert.Equal(0, fwd.Socket);
    }

    [Fact]
    public void DoubleRrOffTreatsTheSecondEntryAsTheNextHop()
    {
        Sent fwd = Run(Requests.Make("BYE", "sip:alice@127.0.0.9:40000",
            ["<sip:127.0.0.1:5080;r2=on;lr>,<sip:127.0.0.2:5070;r2=on;lr>"], toTag: "x"), socket: 2, "modparam(\"rr\", \"enable_double_rr\", 0)");
        Assert.Equal(["<sip:127.0.0.2:5070;r2=on;lr>"], fwd.Headers("Route"));
        Assert.Equal(5070, fwd.Destination.Port);
    }

    [Fact]
    public void SecondDoubleEntryThatNamesNoSocketLogsAWarning()
    {
        var h = new ModuleHarness(InDialog);
        h.Run(Requests.Make("BYE", "sip:alice@127.0.0.9:40000", ["<sip:127.0.0.1;r2=on;lr>,<sip:127.0.0.1:5999;r2=on;lr>"], toTag: "x"));
        Assert.Contains(h.Logs, l => l.Contains("no local socket", StringComparison.Ordinal));

        var quiet = new ModuleHarness(InDialog, "modparam(\"rr\", \"enable_socket_mismatch_warning\", 0)");
        quiet.Run(Requests.Make("BYE", "sip:alice@127.0.0.9:40000", ["<sip:127.0.0.1;r2=on;lr>,<sip:127.0.0.1:5999;r2=on;lr>"], toTag: "x"));
        Assert.Empty(quiet.Logs);
    }

    [Fact]
    public void RouteWithMaddrSetsDuToTheMaddr()
    {
        Sent fwd = Run(Requests.Make("BYE", "sip:alice@127.0.0.9:40000", ["<sip:127.0.0.1;lr>,<sip:p2.example.com:5070;maddr=127.0.0.2;lr>"], toTag: "x"));
        Assert.Equal("true du=sip:127.0.0.2:5070 rr=lr", Assert.Single(fwd.Headers("X-Result")));
    }

    [Fact]
    public void OurAliasNameCountsAsUs()
    {
        Sent fwd = Run(Requests.Make("BYE", "sip:alice@127.0.0.9:40000", ["<sip:proxy.example.com;lr>"], toTag: "x"));
        Assert.Empty(fwd.Headers("Route"));
    }
}
