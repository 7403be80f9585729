namespace Hyperproxy.Modules.Tests.Rr;

public sealed class RouteParamsTests
{
    [Fact]
    public void ParamsRoundTripFromRecordRouteThroughRouteIntoRrParams()
    {
        var h = new ModuleHarness("route {\n if (has_totag()) { loose_route(); append_hf(\"X-P: $rr_params\\r\\n\"); forward(); exit; }\n"
            + " record_route(\";nat=yes\"); forward();\n}\n");
        string rr = Assert.Single(Assert.Single(h.Run(Requests.Invite())).Headers("Record-Route"));
        Sent bye = Assert.Single(h.Run(Requests.Make("BYE", "sip:alice@127.0.0.9:40000", [rr], toTag: "x")));
        Assert.Equal("lr;ftag=abc;nat=yes", Assert.Single(bye.Headers("X-P")));
    }

    [Theory]
    [InlineData("nat=yes", true)]
    [InlineData("^;lr", true)]
    [InlineData("NAT=YES", true)]
    [InlineData("nat=no", false)]
    public void CheckRouteParamMatchesTheParamsWithTheirLeadingSemicolon(string regex, bool matches)
    {
        var h = new ModuleHarness("route {\n loose_route(); if (check_route_param(\"" + regex + "\")) append_hf(\"X-M: 1\\r\\n\"); forward();\n}\n");
        Sent fwd = Assert.Single(h.Run(Requests.Make("BYE", "sip:a@127.0.0.9:40000", ["<sip:127.0.0.1;lr;ftag=abc;nat=yes>"], toTag: "x")));
        Assert.Equal(matches, fwd.Headers("X-M").Count == 1);
    }

    [Fact]
    public void CheckRouteParamIsFalseWithoutOurRoute()
    {
        var h = new ModuleHarness("route {\n loose_route(); if (check_route_param(\".*\")) append_hf(\"X-M: 1\\r\\n\"); forward();\n}\n");
        Assert.Empty(Assert.Single(h.Run(Requests.Make("BYE", "sip:a@127.0.0.9:40000", ["<sip:127.0.0.2:5070;lr>"], toTag: "x"))).Headers("X-M"));
    }

    [Theory]
    [InlineData("abc", "downstream")]
    [InlineData("zzz", "upstream")]
    public void IsDirectionComparesFtagWithTheFromTag(string fromTag, string expected)
    {
        var h = new ModuleHarness("route {\n loose_route(); if (is_direction(\"upstream\")) append_hf(\"X-D: upstream\\r\\n\");"
            + " if (is_direction(\"down\")) append_hf(\"X-D: downstream\\r\\n\"); forward();\n}\n");
        Sent fwd = Assert.Single(h.Run(Requests.Make("BYE", "sip:a@127.0.0.9:40000", ["<sip:127.0.0.1;lr;ftag=abc>"], toTag: "x", fromTag: fromTag)));
        Assert.Equal([expected], fwd.Headers("X-D"));
    }

    [Fact]
    public void IsDirectionWithoutFtagIsDownstream()
    {
        var h = new ModuleHarness("route {\n loose_route(); if (is_direction(\"downstream\")) append_hf(\"X-D: down\\r\\n\"); forward();\n}\n");
        Assert.Single(Assert.Single(h.Run(Requests.Make("BYE", "sip:a@127.0.0.9:40000", ["<sip:127.0.0.1;lr>"], toTag: "x", fromTag: "q"))).Headers("X-D"));
    }

    [Theory]
    [InlineData("lr;ftag=abc;nat=yes", "nat", "yes")]
    [InlineData("lr;ftag=abc;nat=yes", "lr", "")]
    [InlineData("lr; q=\"a;b\";x=1", "q", "\"a;b\"")]
    [InlineData("lr;x=1", "y", null)]
    [InlineData("lr;natx=1;nat=2", "nat", "2")]
    public void FindParamReadsNamesAtParameterStarts(string parameters, string name, string? expected)
    {
        bool found = Hyperproxy.Modules.Rr.RrModule.TryFindParam(System.Text.Encoding.ASCII.GetBytes(parameters),
            System.Text.Encoding.ASCII.GetBytes(name), out ReadOnlySpan<byte> value);
        Assert.Equal(expected is not null, found);
        if (found)
        {
            Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(value));
        }
    }

    [Fact]
    public void CallbacksRunInPriorityOrderWithTheProcessedParams()
    {
        var h = new ModuleHarness("route {\n loose_route(); forward();\n}\n");
        var seen = new List<string>();
        h.Catalog.Rr.RegisterCallback((c, p, o) => seen.Add("5:" + System.Text.Encoding.ASCII.GetString(p)), null, 5);
        h.Catalog.Rr.RegisterCallback((c, p, o) => seen.Add("1:" + o), "x", 1);
        h.Catalog.Rr.RegisterCallback((c, p, o) => seen.Add("5b"), null, 5);
        h.Catalog.Rr.RegisterCallback((c, p, o) => seen.Add("0"), null, 0);
        h.Run(Requests.Make("BYE", "sip:a@127.0.0.9:40000", ["<sip:127.0.0.1;lr;k=v>"], toTag: "x"));
        Assert.Equal(["0", "1:x", "5:lr;k=v", "5b"], seen);
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Catalog.Rr.RegisterCallback((c, p, o) => { }, null, -1));
    }
}
