using Hyperproxy.Modules;
using Hyperproxy.Sip;

namespace Hyperproxy.Tests.Proxy;

/// <summary>The edge's flows through the whole stateless pipeline: a request for a flow that has gone silent gets 430 Flow Failed.</summary>
public sealed class OutboundFlowTests
{
    private const string Script = "loadmodule \"sl.so\"\nloadmodule \"rr.so\"\nloadmodule \"path.so\"\nloadmodule \"sipmsgops.so\"\nloadmodule \"outbound.so\"\n"
        + "modparam(\"outbound\", \"flow_timeout\", 30)\n"
        + "route {\n if (is_method(\"REGISTER\")) { add_path(); forward(\"127.0.0.2:5070\"); exit; }\n loose_route();\n if (!forward()) sl_reply_error();\n}\n";

    private static readonly NetAddress s_flow = NetAddress.FromIPv4(192, 0, 2, 7, 4321);

    private const string Register = "REGISTER sip:example.com SIP/2.0\nVia: SIP/2.0/UDP 192.168.1.10:5062;branch=z9hG4bK-r1\nMax-Forwards: 70\n"
        + "From: <sip:alice@example.com>;tag=f1\nTo: <sip:alice@example.com>\nCall-ID: reg-1@ua\nCSeq: 1 REGISTER\n"
        + "Contact: <sip:alice@192.168.1.10:5062;ob>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\";reg-id=1\n"
        + "Supported: outbound, path\nContent-Length: 0\n\n";

    private static string Invite(string route) => "INVITE sip:alice@192.168.1.10:5062 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bK-i1\n"
        + "Route: " + route + "\nMax-Forwards: 70\nFrom: <sip:bob@example.com>;tag=b1\nTo: <sip:alice@example.com>\nCall-ID: call-1@x\nCSeq: 1 INVITE\n"
        + "Content-Length: 0\n\n";

    [Fact]
    public void ALiveFlowGetsTheRequestAndASilentOneAnswers430()
    {
        var catalog = new ModuleCatalog();
        using var h = new ProxyHarness(script: catalog.CompileText(Script));
        h.Proxy.Flows = catalog.Outbound.Flows;
        string sent = h.Send(Register, s_flow).Single().Text;
        string path = sent.Split("\r\n").Single(l => l.StartsWith("Path: ", StringComparison.Ordinal))[6..];
        var registrar = NetAddress.FromIPv4(127, 0, 0, 2, 5070);

        ProxyHarness.Sent fwd = Assert.Single(h.Send(Invite(path), registrar));
        Assert.Equal(s_flow, fwd.Destination);

        // Nothing from the flow for longer than flow_timeout.
        catalog.Outbound.Flows.Touch(s_flow, 0, Environment.TickCount64 - 31_000);
        ProxyHarness.Sent reply = Assert.Single(h.Send(Invite(path), registrar));
        Assert.Equal("SIP/2.0 430 Flow Failed", reply.StartLine);
        Assert.Equal(registrar, reply.Destination);

        // It sends a keep-alive: alive again.
        Assert.Single(h.SendBytes(StunClient.BindingRequest(out _), s_flow));
        Assert.Equal(s_flow, Assert.Single(h.Send(Invite(path), registrar)).Destination);
    }
}
