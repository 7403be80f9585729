using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Tests.Path;

public sealed class PathTests
{
    private static string Register(string? path = null, string? supported = "path") =>
        Requests.Make("REGISTER", "sip:127.0.0.2:5070", null, null, "r1",
            "Contact: <sip:ua1@192.168.1.10:5062>" + (path is null ? string.Empty : "\nPath: " + path) + (supported is null ? string.Empty : "\nSupported: " + supported));

    [Fact]
    public void AddPathReceivedOnTheSameSocketGivesOneEntryWithTheSource()
    {
        var h = new ModuleHarness("route {\n add_path_received(); forward();\n}\n");
        Sent fwd = Assert.Single(h.Run(Register(), from: NetAddress.FromIPv4(127, 0, 0, 7, 4321)));
        Assert.Equal(["<sip:127.0.0.1;lr;received=sip:127.0.0.7:4321>"], fwd.Headers("Path"));
    }

    [Fact]
    public void AddPathWithUserGoesAboveExistingPathEntries()
    {
        var h = new ModuleHarness("route {\n add_path(\"Outbound\"); forward();\n}\n");
        Sent fwd = Assert.Single(h.Run(Register("<sip:10.0.0.1;lr>")));
        Assert.Equal(["<sip:Outbound@127.0.0.1;lr>", "<sip:10.0.0.1;lr>"], fwd.Headers("Path"));
    }

    [Fact]
    public void CrossingSocketsGivesTwoEntriesWithReceivedOnlyInTheInboundOne()
    {
        var h = new ModuleHarness("route {\n add_path_received(\"Outbound\"); forward(\"[::2]:5070\");\n}\n");
        Sent fwd = Assert.Single(h.Run(Register(), from: NetAddress.FromIPv4(127, 0, 0, 7, 4321)));
        Assert.Equal(["<sip:Outbound@[::1];r2=on;lr>", "<sip:Outbound@127.0.0.1;r2=on;lr;received=sip:127.0.0.7:4321>"], fwd.Headers("Path"));
    }

    [Fact]
    public void DoublePathOffGivesOneEntryForTheOutgoingSocket()
    {
        var h = new ModuleHarness("route {\n add_path_received(); forward(\"[::2]:5070\");\n}\n", "modparam(\"path\", \"enable_double_path\", 0)");
        Sent fwd = Assert.Single(h.Run(Register(), from: NetAddress.FromIPv4(127, 0, 0, 7, 4321)));
        Assert.Equal(["<sip:[::1];lr;received=sip:127.0.0.7:4321>"], fwd.Headers("Path"));
    }

    [Fact]
    public void IPv6SourceIsBracketedAndNonDefaultPortPrinted()
    {
        var h = new ModuleHarness("route {\n add_path_received(); force_send_socket(\"udp:127.0.0.1:5080\"); forward(\"[::2]:5070\");\n}\n",
            "modparam(\"path\", \"enable_double_path\", 0)");
        Sent fwd = Assert.Single(h.Run(Register(), socket: 1, from: NetAddress.IPv6Loopback(4444)));
        Assert.Equal(["<sip:[::1];lr;received=sip:[::1]:4444>"], fwd.Headers("Path"));
    }

    [Fact]
    public void UseReceivedRoutesAPreloadedRequestBackToTheSavedAddress()
    {
        // An initial INVITE from the registrar with the stored Path as its Route set: loose_route() is false, $du is the NAT binding.
        var h = new ModuleHarness("route {\n if (!loose_route()) append_hf(\"X-LR: false\\r\\n\"); append_hf(\"X-Du: $du\\r\\n\"); forward();\n}\n",
            "modparam(\"path\", \"use_received\", 1)");
        Sent fwd = Assert.Single(h.Run(Requests.Make("INVITE", "sip:ua1@192.168.1.10:5062",
            ["<sip:Outbound@127.0.0.1;lr;received=sip:127.0.0.7:4321>"])));
        Assert.Equal(["false"], fwd.Headers("X-LR"));
        Assert.Equal(["sip:127.0.0.7:4321"], fwd.Headers("X-Du"));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 7, 4321), fwd.Destination);
        Assert.Equal("INVITE sip:ua1@192.168.1.10:5062 SIP/2.0", fwd.StartLine);
        Assert.Empty(fwd.Headers("Route"));
    }

    [Fact]
    public void UseReceivedReadsTheSecondEntryOfADoublePathAndItsTransport()
    {
        var h = new ModuleHarness("route {\n loose_route(); append_hf(\"X-Du: $du\\r\\n\"); forward();\n}\n", "modparam(\"path\", \"use_received\", 1)");
        Sent fwd = Assert.Single(h.Run(Requests.Make("INVITE", "sip:ua1@192.168.1.10:5062",
            ["<sip:[::1];r2=on;lr>,<sip:127.0.0.1;r2=on;lr;received=sip:127.0.0.7:4321%3btransport%3dtcp>"]), socket: 1));
        Assert.Equal(["sip:127.0.0.7:4321;transport=tcp"], fwd.Headers("X-Du"));
        Assert.Equal(0, fwd.Socket);
    }

    [Fact]
    public void UseReceivedOffLeavesDuAlone()
    {
        var h = new ModuleHarness("route {\n loose_route(); append_hf(\"X-Du: $du\\r\\n\"); forward();\n}\n");
        Sent fwd = Assert.Single(h.Run(Requests.Make("INVITE", "sip:ua1@127.0.0.8:5062",
            ["<sip:127.0.0.1;lr;received=sip:127.0.0.7:4321>"])));
        Assert.Equal(["<null>"], fwd.Headers("X-Du"));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 8, 5062), fwd.Destination);
    }

    [Theory]
    [InlineData("path", true)]
    [InlineData("100rel, Path", true)]
    [InlineData("100rel", false)]
    [InlineData(null, false)]
    public void PathSupportedDecidesThe421(string? supported, bool ok)
    {
        var h = new ModuleHarness("route {\n if (!path_supported()) { sl_send_reply(421, \"Extension Required\"); exit; } add_path(); forward();\n}\n");
        Sent sent = Assert.Single(h.Run(Register(supported: supported)));
        Assert.Equal(ok ? "REGISTER sip:127.0.0.2:5070 SIP/2.0" : "SIP/2.0 421 Extension Required", sent.StartLine);
    }
}
