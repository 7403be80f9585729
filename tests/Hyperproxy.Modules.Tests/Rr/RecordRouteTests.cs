namespace Hyperproxy.Modules.Tests.Rr;

public sealed class RecordRouteTests
{
    private const string Forwarding = "route {\n record_route(); forward();\n}\n";

    [Fact]
    public void RecordRouteOnTheSameSocketAddsOneEntryAboveTheVias()
    {
        var h = new ModuleHarness(Forwarding);
        Sent fwd = Assert.Single(h.Run(Requests.Invite()));
        Assert.Equal(["<sip:127.0.0.1;lr;ftag=abc>"], fwd.Headers("Record-Route"));
        List<string> names = fwd.HeaderNames();
        Assert.Equal("Record-Route", names[0]);
        Assert.Equal("Via", names[1]);
    }

    [Fact]
    public void RecordRouteWithParamsPutsThemAfterFtag()
    {
        var h = new ModuleHarness("route {\n record_route(\";nat=yes;x=$rU\"); forward();\n}\n");
        Sent fwd = Assert.Single(h.Run(Requests.Invite()));
        Assert.Equal("<sip:127.0.0.1;lr;ftag=abc;nat=yes;x=bob>", Assert.Single(fwd.Headers("Record-Route")));
    }

    [Fact]
    public void CrossingAddressFamiliesRecordsTwoEntriesOutboundFirst()
    {
        var h = new ModuleHarness(Forwarding);
        Sent fwd = Assert.Single(h.Run(Requests.Invite("sip:bob@[::2]:5070")));
        Assert.Equal(1, fwd.Socket);
        Assert.Equal(["<sip:[::1];r2=on;lr;ftag=abc>", "<sip:127.0.0.1;r2=on;lr;ftag=abc>"], fwd.Headers("Record-Route"));
    }

    [Fact]
    public void CrossingPortsOfOneAddressRecordsTwoEntriesWithThePorts()
    {
        var h = new ModuleHarness("route {\n record_route(); force_send_socket(\"udp:127.0.0.1:5080\"); forward();\n}\n");
        Sent fwd = Assert.Single(h.Run(Requests.Invite()));
        Assert.Equal(2, fwd.Socket);
        Assert.Equal(["<sip:127.0.0.1:5080;r2=on;lr;ftag=abc>", "<sip:127.0.0.1;r2=on;lr;ftag=abc>"], fwd.Headers("Record-Route"));
    }

    [Fact]
    public void DoubleRecordRouteOffGivesOneEntryForTheOutgoingSocket()
    {
        var h = new ModuleHarness(Forwarding, "modparam(\"rr\", \"enable_double_rr\", 0)");
        Sent fwd = Assert.Single(h.Run(Requests.Invite("sip:bob@[::2]:5070")));
        Assert.Equal(["<sip:[::1];lr;ftag=abc>"], fwd.Headers("Record-Route"));
    }

    [Fact]
    public void AppendFromtagOffLeavesFtagOut()
    {
        var h = new ModuleHarness(Forwarding, "modparam(\"rr\", \"append_fromtag\", 0)");
        Assert.Equal(["<sip:127.0.0.1;lr>"], Assert.Single(h.Run(Requests.Invite())).Headers("Record-Route"));
    }

    [Fact]
    public void FromWithoutTagGivesNoFtag()
    {
        var h = new ModuleHarness(Forwarding);
        Assert.Equal(["<sip:127.0.0.1;lr>"], Assert.Single(h.Run(Requests.Invite(fromTag: ""))).Headers("Record-Route"));
    }

    [Fact]
    public void AddUsernameTakesTheUserOfTheReceivedRequestUri()
    {
        var h = new ModuleHarness("route {\n $rU = \"carol\"; record_route(); forward();\n}\n", "modparam(\"rr\", \"add_username\", 1)");
        Sent fwd = Assert.Single(h.Run(Requests.Invite()));
        Assert.Equal(["<sip:bob@127.0.0.1;lr;ftag=abc>"], fwd.Headers("Record-Route"));
        Assert.StartsWith("INVITE sip:carol@", fwd.StartLine, StringComparison.Ordinal);
    }

    [Fact]
    public void AddUsernameOffLeavesTheUserOut()
    {
        var h = new ModuleHarness(Forwarding, "modparam(\"rr\", \"add_username\", 0)");
        Assert.Equal(["<sip:127.0.0.1;lr;ftag=abc>"], Assert.Single(h.Run(Requests.Invite())).Headers("Record-Route"));
    }

    [Fact]
    public void AddRrParamBeforeAndAfterRecordRouteLandInOpenSipsOrder()
    {
        var h = new ModuleHarness("route {\n add_rr_param(\";early=1\"); record_route(\";own=2\"); add_rr_param(\";late=3\"); forward();\n}\n");
        Sent fwd = Assert.Single(h.Run(Requests.Invite("sip:bob@[::2]:5070")));
        Assert.Equal(["<sip:[::1];r2=on;lr;ftag=abc;own=2;late=3;early=1>", "<sip:127.0.0.1;r2=on;lr;ftag=abc;own=2;late=3;early=1>"],
            fwd.Headers("Record-Route"));
    }

    [Fact]
    public void SecondRecordRouteForOneMessageFails()
    {
        var h = new ModuleHarness("route {\n record_route(); if (!record_route()) { $du = \"sip:127.0.0.3:5099\"; } forward();\n}\n");
        Sent fwd = Assert.Single(h.Run(Requests.Invite()));
        Assert.Single(fwd.Headers("Record-Route"));
        Assert.Equal(5099, fwd.Destination.Port);
    }

    [Fact]
    public void SipsRequestUriGetsASipsRecordRoute()
    {
        var h = new ModuleHarness("route {\n record_route(); forward(\"127.0.0.2:5070\");\n}\n");
        Assert.Equal(["<sips:127.0.0.1;lr;ftag=abc>"], Assert.Single(h.Run(Requests.Invite("sips:bob@example.com"))).Headers("Record-Route"));
    }

    [Fact]
    public void PresetPutsFtagBeforeLrAndBufferedParamsOnlyInTheFirst()
    {
        var h = new ModuleHarness("route {\n add_rr_param(\";b=1\"); record_route_preset(\"127.0.0.1\", \"10.0.0.1:5090\"); add_rr_param(\";a=2\"); forward();\n}\n");
        Sent fwd = Assert.Single(h.Run(Requests.Invite()));
        Assert.Equal(["<sip:127.0.0.1;ftag=abc;lr;a=2;b=1>", "<sip:10.0.0.1:5090;ftag=abc;lr;a=2>"], fwd.Headers("Record-Route"));
        Assert.Empty(h.Logs);
    }

    [Fact]
    public void PresetThatIsNotTheOutgoingSocketLogsAMismatchWarning()
    {
        var h = new ModuleHarness("route {\n record_route_preset(\"192.0.2.7:5060\"); forward();\n}\n");
        Sent fwd = Assert.Single(h.Run(Requests.Invite()));
        Assert.Equal(["<sip:192.0.2.7:5060;ftag=abc;lr>"], fwd.Headers("Record-Route"));
        Assert.Contains(h.Logs, l => l.Contains("socket mismatch", StringComparison.Ordinal));
    }

    [Fact]
    public void MismatchWarningOffStaysQuiet()
    {
        var h = new ModuleHarness("route {\n record_route_preset(\"192.0.2.7:5060\"); forward();\n}\n",
            "modparam(\"rr\", \"enable_socket_mismatch_warning\", 0)");
        Assert.Single(h.Run(Requests.Invite()));
        Assert.Empty(h.Logs);
    }

    [Fact]
    public void PresetWithTwoAddressesFailsWhenDoubleRrIsOff()
    {
        var h = new ModuleHarness("route {\n if (!record_route_preset(\"127.0.0.1\", \"10.0.0.1\")) sl_send_reply(500, \"no\"); else forward();\n}\n",
            "modparam(\"rr\", \"enable_double_rr\", 0)");
        Assert.Equal("SIP/2.0 500 no", Assert.Single(h.Run(Requests.Invite())).StartLine);
    }

    [Fact]
    public void AdvertisedSocketAddressIsWhatGoesIntoRecordRoute()
    {
        var h = new ModuleHarness("route {\n record_route(); force_send_socket(\"udp:127.0.0.1:5080\"); forward();\n}\n", advertiseThird: true);
        Sent fwd = Assert.Single(h.Run(Requests.Invite()));
        Assert.Equal(["<sip:edge.example.com:5080;r2=on;lr;ftag=abc>", "<sip:127.0.0.1;r2=on;lr;ftag=abc>"], fwd.Headers("Record-Route"));
    }

    [Fact]
    public void SetAdvertisedAddressChangesTheOutboundEntry()
    {
        var h = new ModuleHarness("route {\n set_advertised_address(\"pub.example.com\"); record_route(); forward();\n}\n");
        Assert.Equal(["<sip:pub.example.com;lr;ftag=abc>"], Assert.Single(h.Run(Requests.Invite())).Headers("Record-Route"));
    }
}
