namespace Hyperproxy.Modules.Tests.Registrar;

/// <summary>RFC 5626 outbound at the registrar (outbound_mode, flow_timer: Kamailio registrar's names).</summary>
public sealed class OutboundTests
{
    private const string Instance = "\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"";
    private const string Ob = "<sip:flow1@127.0.0.3;lr;ob>";

    private static RegistrarHarness Make(string modparams = "modparam(\"registrar\", \"outbound_mode\", 1)\nmodparam(\"registrar\", \"flow_timer\", 25)") =>
        new(Registers.Script("\"location\", \"p2\""), modparams);

    private static string Flow(string contact, int regId, int cseq, string path = Ob, string supported = "outbound, path", string? callId = null) =>
        Registers.Register($"<{contact}>;+sip.instance={Instance};reg-id={regId}", cseq: cseq, path: path.Length == 0 ? null : [path],
            extra: "Supported: " + supported, callId: callId ?? "reg-" + regId + "@ua");

    [Fact]
    public void OutboundRegistrationGetsRequireOutboundAndFlowTimerAndEchoesInstanceAndRegId()
    {
        using RegistrarHarness h = Make();
        Sent ok = Assert.Single(h.Run(Flow("sip:alice@192.168.1.10:5062", 1, 1)));
        Assert.Equal("SIP/2.0 200 OK", ok.StartLine);
        Assert.Equal(["outbound"], ok.Headers("Require"));
        Assert.Equal(["25"], ok.Headers("Flow-Timer"));
        Assert.Equal([$"<sip:alice@192.168.1.10:5062>;expires=3600;+sip.instance={Instance};reg-id=1"], ok.Headers("Contact"));
    }

    [Fact]
    public void TwoFlowsOfOneInstanceAreTwoBindingsAndTheSameRegIdReplacesItsBinding()
    {
        using RegistrarHarness h = Make();
        h.Run(Flow("sip:alice@192.168.1.10:5062", 1, 1));
        h.Clock.Now++;
        h.Run(Flow("sip:alice@192.168.1.10:5064", 2, 1));
        h.Clock.Now++;
        // reg-id 1 again from a new Contact URI (the flow's NAT binding changed): it replaces the old binding.
        Sent ok = Assert.Single(h.Run(Flow("sip:alice@192.168.1.10:5066", 1, 2)));
        string contacts = Assert.Single(ok.Headers("Contact"));
        Assert.Contains("<sip:alice@192.168.1.10:5064>", contacts);
        Assert.Contains("<sip:alice@192.168.1.10:5066>", contacts);
        Assert.DoesNotContain("<sip:alice@192.168.1.10:5062>", contacts);
    }

    [Fact]
    public void LookupTargetsOneFlowPerInstanceTheMostRecentlyRegistered()
    {
        using RegistrarHarness h = Make();
        h.Run(Flow("sip:alice@192.168.1.10:5062", 1, 1, "<sip:flowA@127.0.0.3;lr;ob>"));
        h.Clock.Now++;
        h.Run(Flow("sip:alice@192.168.1.10:5064", 2, 1, "<sip:flowB@127.0.0.3;lr;ob>"));
        Sent invite = Assert.Single(h.Run(Registers.Invite()));
        Assert.StartsWith("INVITE sip:alice@192.168.1.10:5064 SIP/2.0", invite.StartLine);
        Assert.Equal(["<sip:flowB@127.0.0.3;lr;ob>"], invite.Headers("Route"));

        // Flow B is gone (unregistered, or removed after lost pings): calls take flow A.
        h.Run(Registers.Register($"<sip:alice@192.168.1.10:5064>;+sip.instance={Instance};reg-id=2", expires: "0", cseq: 2,
            path: ["<sip:flowB@127.0.0.3;lr;ob>"], extra: "Supported: outbound, path", callId: "reg-2@ua"));
        invite = Assert.Single(h.Run(Registers.Invite()));
        Assert.StartsWith("INVITE sip:alice@192.168.1.10:5062 SIP/2.0", invite.StartLine);
        Assert.Equal(["<sip:flowA@127.0.0.3;lr;ob>"], invite.Headers("Route"));
    }

    [Fact]
    public void FirstHopWithoutObGets439()
    {
        using RegistrarHarness h = Make();
        Sent reply = Assert.Single(h.Run(Flow("sip:alice@192.168.1.10:5062", 1, 1, "<sip:127.0.0.3;lr>")));
        Assert.Equal("SIP/2.0 439 First Hop Lacks Outbound Support", reply.StartLine);
    }

    [Fact]
    public void RegistrarIsTheFirstHopWhenThereIsNoPathAndOneVia()
    {
        using RegistrarHarness h = Make();
        Sent ok = Assert.Single(h.Run(Flow("sip:alice@192.168.1.10:5062", 1, 1, path: "", supported: "outbound")));
        Assert.Equal("SIP/2.0 200 OK", ok.StartLine);
        Assert.Equal(["outbound"], ok.Headers("Require"));
    }

    [Fact]
    public void WithoutOutboundSupportRegIdIsIgnored()
    {
        using RegistrarHarness h = Make();
        Sent ok = Assert.Single(h.Run(Flow("sip:alice@192.168.1.10:5062", 1, 1, supported: "path")));
        Assert.Equal("SIP/2.0 200 OK", ok.StartLine);
        Assert.Empty(ok.Headers("Require"));
        Assert.Equal(["<sip:alice@192.168.1.10:5062>;expires=3600"], ok.Headers("Contact"));

        using RegistrarHarness off = Make("");
        ok = Assert.Single(off.Run(Flow("sip:alice@192.168.1.10:5062", 1, 1)));
        Assert.Empty(ok.Headers("Require"));
        Assert.Empty(ok.Headers("Flow-Timer"));
    }

    [Fact]
    public void OutboundModeTwoRequiresOutboundAndRegIdNeedsAnInstance()
    {
        using RegistrarHarness h = Make("modparam(\"registrar\", \"outbound_mode\", 2)");
        Sent reply = Assert.Single(h.Run(Registers.Register()));
        Assert.Equal("SIP/2.0 421 Extension Required", reply.StartLine);
        Assert.Equal(["outbound"], reply.Headers("Require"));
        reply = Assert.Single(h.Run(Registers.Register("<sip:alice@192.0.2.10:5062>;reg-id=1", extra: "Supported: outbound", cseq: 2)));
        Assert.Equal("SIP/2.0 400 Bad Request", reply.StartLine);
    }

    [Fact]
    public void FlowTimerWithoutOutboundStopsStartUp()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new RegistrarHarness(Registers.Script(), "modparam(\"registrar\", \"flow_timer\", 30)"));
        Assert.Contains("outbound_mode", e.Message);
    }
}
