using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Tests.Nathelper;

/// <summary>RFC 5626 at the edge (the outbound module with rr and path): flow tokens in Path and Record-Route, requests routed down their flow.</summary>
public sealed class OutboundEdgeTests
{
    private static readonly NetAddress s_flow = NetAddress.FromIPv4(127, 0, 0, 7, 4321);

    private const string Instance = "\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"";

    private static ModuleHarness Edge(string routes) => new("loadmodule \"outbound.so\"\n" + routes);

    private static string Register(string vias = "Via: SIP/2.0/UDP 192.168.1.10:5062;branch=z9hG4bK-r1", string regId = ";reg-id=1") =>
        "REGISTER sip:example.com SIP/2.0\n" + vias + "\nMax-Forwards: 70\nFrom: <sip:alice@example.com>;tag=f1\nTo: <sip:alice@example.com>\n"
        + $"Call-ID: reg-1@ua\nCSeq: 1 REGISTER\nContact: <sip:alice@192.168.1.10:5062;ob>;+sip.instance={Instance}{regId}\n"
        + "Supported: outbound, path\nContent-Length: 0\n\n";

    private static string Token(string pathValue)
    {
        Assert.StartsWith("<sip:", pathValue);
        return pathValue[5..pathValue.IndexOf('@')];
    }

    [Fact]
    public void FirstHopRegisterWithRegIdGetsAFlowTokenAndOb()
    {
        ModuleHarness h = Edge("route {\n add_path(); forward(\"127.0.0.2:5070\");\n}\n");
        Sent fwd = Assert.Single(h.Run(Register(), from: s_flow));
        string path = Assert.Single(fwd.Headers("Path"));
        Assert.Matches("^<sip:[0-9a-f]{32}@127\\.0\\.0\\.1;lr;ob>$", path);
        Assert.True(h.Catalog.Outbound.TryDecode(System.Text.Encoding.ASCII.GetBytes(Token(path)), out NetAddress flow, out int socket));
        Assert.Equal(s_flow, flow);
        Assert.Equal(0, socket);
    }

    [Fact]
    public void NoTokenWithoutRegIdOrWhenWeAreNotTheFirstHop()
    {
        ModuleHarness h = Edge("route {\n add_path(); forward(\"127.0.0.2:5070\");\n}\n");
        Assert.Equal(["<sip:127.0.0.1;lr>"], Assert.Single(h.Run(Register(regId: ""), from: s_flow)).Headers("Path"));
        Assert.Equal(["<sip:127.0.0.1;lr>"], Assert.Single(h.Run(Register("Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-x\nVia: SIP/2.0/UDP 192.168.1.10:5062;branch=z9hG4bK-r1"),
            from: s_flow)).Headers("Path"));
    }

    [Fact]
    public void ForceNoOutboundFlagTurnsItOff()
    {
        ModuleHarness h = new("loadmodule \"outbound.so\"\nmodparam(\"outbound\", \"force_no_outbound_flag\", \"NOOB\")\n"
            + "route {\n setflag(NOOB); add_path(); forward(\"127.0.0.2:5070\");\n}\n");
        Assert.Equal(["<sip:127.0.0.1;lr>"], Assert.Single(h.Run(Register(), from: s_flow)).Headers("Path"));
    }

    [Fact]
    public void ARequestWhoseRouteCarriesATokenGoesDownThatFlow()
    {
        ModuleHarness h = Edge("route {\n if (is_method(\"REGISTER\")) { add_path(); forward(\"127.0.0.2:5070\"); exit; }\n loose_route(); forward();\n}\n");
        string token = Token(Assert.Single(Assert.Single(h.Run(Register(), from: s_flow)).Headers("Path")));
        Sent fwd = Assert.Single(h.Run(Requests.Make("INVITE", "sip:alice@192.168.1.10:5062", [$"<sip:{token}@127.0.0.1;lr;ob>"]),
            from: NetAddress.FromIPv4(127, 0, 0, 2, 5070)));
        Assert.Equal(s_flow, fwd.Destination);
        Assert.Equal("INVITE sip:alice@192.168.1.10:5062 SIP/2.0", fwd.StartLine);
        Assert.Empty(fwd.Headers("Route"));
    }

    [Theory]
    [InlineData(false, 48)]
    [InlineData(true, 72)]
    public void AStreamFlowsTokenNamesItsConnection(bool ipv6, int length)
    {
        var module = new Hyperproxy.Modules.Outbound.OutboundModule(new Hyperproxy.Modules.Rr.RrModule());
        NetAddress source = ipv6 ? NetAddress.FromIPv6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7], 40001) : s_flow;
        Span<byte> token = stackalloc byte[Hyperproxy.Modules.Outbound.OutboundModule.MaxTokenLength];
        int n = module.WriteToken(source, 3, 0x1234_5678_9abcL, token);
        Assert.Equal(length, n);
        Assert.True(module.TryDecode(token[..n], out NetAddress flow, out int socket, out long connection));
        Assert.Equal(source, flow);
        Assert.Equal(3, socket);
        Assert.Equal(0x1234_5678_9abcL, connection);

        // A UDP flow's token is shorter and names no connection; a changed digit breaks the MAC.
        Assert.Equal(ipv6 ? 56 : 32, module.WriteToken(source, 3, token));
        Assert.True(module.TryDecode(token[..(ipv6 ? 56 : 32)], out _, out _, out long none));
        Assert.Equal(0, none);
        n = module.WriteToken(source, 3, 7, token);
        token[n - 1] = token[n - 1] == (byte)'0' ? (byte)'1' : (byte)'0';
        Assert.False(module.TryDecode(token[..n], out _, out _, out _));
        Assert.False(new Hyperproxy.Modules.Outbound.OutboundModule(new Hyperproxy.Modules.Rr.RrModule()).TryDecode(token[..n], out _, out _, out _)); // another start-up's key
    }

    [Fact]
    public void ATamperedTokenIsNotAFlow()
    {
        ModuleHarness h = Edge("route {\n loose_route(); forward();\n}\n");
        string forged = new string('a', 32);
        Sent fwd = Assert.Single(h.Run(Requests.Make("INVITE", "sip:alice@127.0.0.3:5062", [$"<sip:{forged}@127.0.0.1;lr;ob>"])));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 3, 5062), fwd.Destination);
    }

    [Fact]
    public void RecordRouteOfAnOutboundRequestCarriesTheToken()
    {
        ModuleHarness h = Edge("route {\n record_route(); forward(\"127.0.0.2:5070\");\n}\n");
        Sent fwd = Assert.Single(h.Run(Requests.Make("INVITE", "sip:bob@example.com", extra: "Supported: outbound\nContact: <sip:alice@192.168.1.10:5062;ob>"),
            from: s_flow));
        Assert.Matches("^<sip:[0-9a-f]{32}@127\\.0\\.0\\.1;lr(;ob;ftag=abc|;ftag=abc;ob)>$", Assert.Single(fwd.Headers("Record-Route")));

        fwd = Assert.Single(h.Run(Requests.Make("INVITE", "sip:bob@example.com", extra: "Contact: <sip:alice@192.168.1.10:5062>"), from: s_flow));
        Assert.Equal(["<sip:127.0.0.1;lr;ftag=abc>"], fwd.Headers("Record-Route"));
    }
}
