using static Hyperproxy.Modules.Tests.Registrar.Registers;

namespace Hyperproxy.Modules.Tests.Registrar;

public sealed class PathAndLookupTests
{
    private const string P1Inner = "<sip:10.0.0.1;r2=on;lr>";
    private const string P1Outer = "<sip:203.0.113.1;r2=on;lr;received=sip:198.51.100.7:4321>";
    private const string Single = "<sip:203.0.113.1:5070;lr;received=sip:198.51.100.7:4321>";

    private static RegistrarHarness Make(string saveArgs, string lookupArgs = "\"location\"", string modparams = "") =>
        new(Registers.Script(saveArgs, lookupArgs), modparams);

    [Theory]
    [InlineData("\"location\"", false, false)]
    [InlineData("\"location\", \"p0\"", false, false)]
    [InlineData("\"location\", \"path-off\"", false, false)]
    [InlineData("\"location\", \"p1\"", false, false)]
    [InlineData("\"location\", \"p1\"", true, true)]
    [InlineData("\"location\", \"path-lazy\"", true, true)]
    [InlineData("\"location\", \"p2\"", true, true)]
    [InlineData("\"location\", \"path-strict\"", true, true)]
    public void PathIsEchoedPerMode(string args, bool supported, bool echoed)
    {
        using var h = Make(args);
        Sent r = h.Run(Register(expires: "600", path: [Single], extra: supported ? "Supported: path" : null))[0];
        Assert.Equal("SIP/2.0 200 OK", r.StartLine);
        Assert.Equal(echoed ? [Single] : [], r.Headers("Path"));
    }

    [Theory]
    [InlineData("\"location\", \"p2\"")]
    [InlineData("\"location\", \"path-strict\"")]
    public void PathStrictWithoutSupportedPathIs420AfterSaving(string args)
    {
        using var h = Make(args);
        Sent r = h.Run(Register(expires: "600", path: [P1Inner + "," + P1Outer]))[0];
        Assert.Equal("SIP/2.0 420 Bad Extension", r.StartLine);
        Assert.Equal(["path"], r.Headers("Unsupported"));
        Assert.Equal([P1Inner + "," + P1Outer], r.Headers("Path"));
        Assert.Equal(["No support for found Path indicated"], r.Headers("P-Registrar-Error"));
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600"], r.Headers("Contact"));
        h.Run(Invite());
        Assert.StartsWith("INVITE sip:alice@192.0.2.10:5062 ", h.Last.StartLine);
    }

    [Fact]
    public void WithoutAPathFlagThePathIsNotStored()
    {
        using var h = Make("\"location\"");
        h.Run(Register(expires: "600", path: [Single], extra: "Supported: path"));
        h.Run(Invite());
        Assert.Empty(h.Last.Headers("Route"));
    }

    [Theory]
    [InlineData("\"location\", \"p2v\"")]
    [InlineData("\"location\", \"path-strict,path-received\"")]
    public void PathReceivedTakesTheSecondUriWhenTheFirstHasR2(string args)
    {
        using var h = Make(args);
        Sent r = h.Run(Register(expires: "600", path: [P1Inner, P1Outer], extra: "Supported: path"))[0];
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600;received=\"sip:198.51.100.7:4321\""], r.Headers("Contact"));
        Assert.Equal([P1Inner + "," + P1Outer], r.Headers("Path"));
    }

    [Fact]
    public void PathReceivedTakesTheFirstUriWithoutR2AndUnescapesIt()
    {
        using var h = Make("\"location\", \"p1v\"");
        Sent r = h.Run(Register(expires: "600", path: ["<sip:203.0.113.1;lr;received=sip:198.51.100.7:4321%3btransport%3dtcp>"]))[0];
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600;received=\"sip:198.51.100.7:4321;transport=tcp\""], r.Headers("Contact"));
    }

    [Fact]
    public void PathReceivedAloneDoesNothing()
    {
        using var h = Make("\"location\", \"v\"");
        Sent r = h.Run(Register(expires: "600", path: [Single]))[0];
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600"], r.Headers("Contact"));
    }

    [Fact]
    public void AFirstPathUriWithoutLrIs400()
    {
        using var h = Make("\"location\", \"p1\"");
        Sent r = h.Run(Register(expires: "600", path: ["<sip:203.0.113.1>"]))[0];
        Assert.Equal(["Path parse error"], r.Headers("P-Registrar-Error"));
    }

    [Fact]
    public void LookupRoutesThroughThePathAsAPreloadedRouteSet()
    {
        using var h = Make("\"location\", \"p2v\"");
        h.Run(Register(expires: "600", path: [P1Inner, P1Outer], extra: "Supported: path"), socket: 1);
        h.Run(Invite(), socket: 0);
        Sent inv = h.Last;
        Assert.Equal("INVITE sip:alice@192.0.2.10:5062 SIP/2.0", inv.StartLine);
        Assert.Equal([P1Inner + "," + P1Outer], inv.Headers("Route"));
        Assert.Equal("10.0.0.1:5060", inv.Destination.ToString());
        Assert.Equal(1, inv.Socket); // the socket the REGISTER came in on
        List<string> names = inv.HeaderNames();
        Assert.Equal(names.LastIndexOf("Via") + 1, names.IndexOf("Route"));
    }

    [Fact]
    public void LookupExposesTheChosenPathVectorAsDollarPath()
    {
        const string Script = "route {\n"
            + "  if (is_method(\"REGISTER\")) { save(\"location\", \"p2\"); exit; }\n"
            + "  if ($path == NULL) append_hf(\"X-Before: none\\r\\n\");\n"
            + "  lookup(\"location\");\n"
            + "  append_hf(\"X-Path: $path\\r\\n\");\n"
            + "  forward();\n"
            + "}\n";
        using var h = new RegistrarHarness(Script, "");
        h.Run(Register(expires: "600", path: [P1Inner, P1Outer], extra: "Supported: path"));
        h.Run(Invite());
        Assert.Equal(["none"], h.Last.Headers("X-Before"));
        Assert.Equal([P1Inner + "," + P1Outer], h.Last.Headers("X-Path"));
    }

    [Fact]
    public void ThePathRouteGoesBeforeAnExistingRoute()
    {
        using var h = Make("\"location\", \"p0\"");
        h.Run(Register(expires: "600", path: [Single]));
        h.Run(Invite(route: "<sip:192.0.2.99;lr>"));
        Assert.Equal([Single, "<sip:192.0.2.99;lr>"], h.Last.Headers("Route"));
    }

    [Fact]
    public void LookupWithoutPathSendsToTheReceivedAddress()
    {
        using var h = Make("\"location\"");
        h.Run(Register("<sip:a@10.0.0.5:5060>;received=\"sip:198.51.100.7:4321\"", expires: "600"));
        h.Run(Invite());
        Assert.Equal("INVITE sip:a@10.0.0.5:5060 SIP/2.0", h.Last.StartLine);
        Assert.Equal("198.51.100.7:4321", h.Last.Destination.ToString());
        Assert.Empty(h.Last.Headers("Route"));
    }

    [Fact]
    public void LookupOfAnUnknownAorIsMinusOne()
    {
        using var h = Make("\"location\"");
        h.Run(Invite("sip:nobody@example.com"));
        Assert.Equal("SIP/2.0 404 Not Found", h.Last.StartLine);
    }

    [Fact]
    public void LookupAfterExpiryIsMinusOne()
    {
        using var h = Make("\"location\"");
        h.Run(Register(expires: "100"));
        h.Clock.Now += 100;
        h.Run(Invite());
        Assert.Equal("SIP/2.0 404 Not Found", h.Last.StartLine);
    }

    [Theory]
    [InlineData("\"location\", \"m\"")]
    [InlineData("\"location\", \"method-filtering\"")]
    public void MethodFilteringReturnsMinusTwoWhenNoBindingAllowsTheMethod(string lookupArgs)
    {
        using var h = Make("\"location\"", lookupArgs);
        h.Run(Register(expires: "600", extra: "Allow: INVITE, ACK, BYE"));
        h.Run(Invite(method: "MESSAGE"));
        Assert.Equal("SIP/2.0 405 Method Not Allowed", h.Last.StartLine);
        h.Run(Invite());
        Assert.StartsWith("INVITE sip:alice@", h.Last.StartLine);
    }

    [Fact]
    public void LookupPicksTheHighestQAndCountsTheOthersAsBranches()
    {
        using var h = Make("\"location\"");
        h.Run(Register("<sip:low@192.0.2.1>;q=0.1, <sip:high@192.0.2.2>;q=0.9, <sip:mid@192.0.2.3>;q=0.5", expires: "600"));
        h.Run(Invite());
        Assert.Equal("INVITE sip:high@192.0.2.2 SIP/2.0", h.Last.StartLine);
        Assert.Equal(2, h.Context.ExtraBranches);
    }

    [Theory]
    [InlineData("\"location\", \"b\"", 0)]
    [InlineData("\"location\", \"no-branches\"", 0)]
    [InlineData("\"location\", \"r\"", 1)]
    [InlineData("\"location\", \"branch\"", 1)]
    public void BranchFlagsControlTheExtraBranches(string lookupArgs, int branches)
    {
        using var h = Make("\"location\"", lookupArgs);
        h.Run(Register("<sip:a@192.0.2.1>;q=0.9, <sip:b@192.0.2.2>;q=0.5", expires: "600"));
        h.Run(Invite());
        Assert.Equal("INVITE sip:a@192.0.2.1 SIP/2.0", h.Last.StartLine);
        Assert.Equal(branches, h.Context.ExtraBranches);
    }

    [Theory]
    [InlineData("\"location\", \"B\"")]
    [InlineData("\"location\", \"to-branches-only\"")]
    public void ToBranchesOnlyLeavesTheRequestUriAlone(string lookupArgs)
    {
        using var h = Make("\"location\"", lookupArgs);
        h.Run(Register(expires: "600"));
        h.Run(Invite("sip:alice@127.0.0.1"));
        Assert.Equal(1, h.Context.ExtraBranches);
        Assert.Equal("sip:alice@127.0.0.1", System.Text.Encoding.ASCII.GetString(h.Context.RequestUri));
    }

    [Theory]
    [InlineData("\"location\", \"u/^Good/\"", true)]
    [InlineData("\"location\", \"u/^good/i\"", true)]
    [InlineData("\"location\", \"u/^good/\"", false)]
    [InlineData("\"location\", \"ua-filtering=/^Bad/\"", false)]
    [InlineData("\"location\", \"ua-filtering=/^good/,case-insensitive\"", true)]
    public void UserAgentFilteringSkipsOtherAgents(string lookupArgs, bool found)
    {
        using var h = Make("\"location\"", lookupArgs);
        h.Run(Register(expires: "600", extra: "User-Agent: GoodPhone 1.0"));
        h.Run(Invite());
        Assert.Equal(found, h.Last.StartLine.StartsWith("INVITE", StringComparison.Ordinal));
    }

    [Fact]
    public void IsRegisteredAndRemoveWorkOnTheTable()
    {
        const string script = "route {\n"
            + "  if (is_method(\"REGISTER\")) { save(\"location\"); exit; }\n"
            + "  if (is_method(\"OPTIONS\")) { if (is_registered(\"location\", \"sip:alice@example.com\")) sl_send_reply(200, \"Yes\"); else sl_send_reply(404, \"No\"); exit; }\n"
            + "  if (is_method(\"INFO\")) { if (is_contact_registered(\"location\", \"sip:alice@example.com\", \"sip:b@192.0.2.2\")) sl_send_reply(200, \"Yes\"); else sl_send_reply(404, \"No\"); exit; }\n"
            + "  if (is_method(\"NOTIFY\")) { if (is_ip_registered(\"location\", \"sip:alice@example.com\", \"192.0.2.1\")) sl_send_reply(200, \"Yes\"); else sl_send_reply(404, \"No\"); exit; }\n"
            + "  if (is_method(\"MESSAGE\")) { remove(\"location\", \"sip:alice@example.com\", \"sip:b@192.0.2.2\"); sl_send_reply(200, \"Removed\"); exit; }\n"
            + "  if (is_method(\"BYE\")) { remove(\"location\", \"sip:alice@example.com\"); sl_send_reply(200, \"Removed\"); exit; }\n"
            + "}\n";
        using var h = new RegistrarHarness(script);
        h.Run(Invite(method: "OPTIONS"));
        Assert.Equal("SIP/2.0 404 No", h.Last.StartLine);
        h.Run(Register("<sip:a@192.0.2.1>, <sip:b@192.0.2.2>", expires: "600"));
        h.Run(Invite(method: "OPTIONS"));
        Assert.Equal("SIP/2.0 200 Yes", h.Last.StartLine);
        h.Run(Invite(method: "INFO"));
        Assert.Equal("SIP/2.0 200 Yes", h.Last.StartLine);
        h.Run(Invite(method: "NOTIFY"));
        Assert.Equal("SIP/2.0 200 Yes", h.Last.StartLine);
        h.Run(Invite(method: "MESSAGE"));
        h.Run(Invite(method: "INFO"));
        Assert.Equal("SIP/2.0 404 No", h.Last.StartLine);
        h.Run(Invite(method: "OPTIONS"));
        Assert.Equal("SIP/2.0 200 Yes", h.Last.StartLine);
        h.Run(Invite(method: "BYE"));
        h.Run(Invite(method: "OPTIONS"));
        Assert.Equal("SIP/2.0 404 No", h.Last.StartLine);
    }
}
