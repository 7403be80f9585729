using Hyperproxy.Script;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Tests.Proxy;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Scripting;

/// <summary>Operator scripts through the proxy's real reply/forward code (no sockets).</summary>
public sealed class ScriptedProxyTests
{
    private static ProxyHarness Harness(string routes)
    {
        string modules = "loadmodule \"sl.so\"\nloadmodule \"maxfwd.so\"\nloadmodule \"sipmsgops.so\"\n";
        return new ProxyHarness(script: new global::Hyperproxy.Modules.ModuleCatalog().CompileText(modules + routes, "t.cfg"));
    }

    [Fact]
    public void ForwardToAnExplicitDestinationWithRewrittenUriAndForcedRport()
    {
        using ProxyHarness proxy = Harness("route {\n force_rport(); add_local_rport(); $rU = \"carol\"; forward(\"127.0.0.3:5099\");\n}\n");
        ProxyHarness.Sent fwd = Assert.Single(proxy.Send(StatelessProxyRequestTests.Invite()));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 3, 5099), fwd.Destination);
        Assert.StartsWith("INVITE sip:carol@127.0.0.2:5070 SIP/2.0", fwd.Text, StringComparison.Ordinal);
        List<string> vias = fwd.Headers("Via");
        Assert.EndsWith(";rport", vias[0], StringComparison.Ordinal);
        Assert.Equal("SIP/2.0/UDP 127.0.0.9:40000;rport=40000;received=127.0.0.9;branch=z9hG4bK-inv1", vias[1]);
        Assert.Equal("10", Assert.Single(fwd.Headers("Max-Forwards"))); // not touched without mf_process_maxfwd_header
    }

    [Theory]
    [InlineData("udp:127.0.0.3:5099", "SIP/2.0/UDP 127.0.0.1:5060")]
    [InlineData("UDP:127.0.0.3:5099", "SIP/2.0/UDP 127.0.0.1:5060")]
    [InlineData("127.0.0.3:5099", "SIP/2.0/UDP 127.0.0.1:5060")]
    [InlineData("udp:[::1]:5099", "SIP/2.0/UDP [::1]:5060")]
    public void ForwardTakesAnOptionalProtocolPrefix(string destination, string ourVia)
    {
        using ProxyHarness proxy = Harness($"route {{\n forward(\"{destination}\");\n}}\n");
        ProxyHarness.Sent fwd = Assert.Single(proxy.Send(StatelessProxyRequestTests.Invite()));
        Assert.Equal(5099, fwd.Destination.Port);
        Assert.StartsWith(ourVia, fwd.Headers("Via")[0], StringComparison.Ordinal);
    }

    [Fact]
    public void ForwardToAnotherTransportIsRefused()
    {
        using ProxyHarness proxy = Harness("route {\n if (!forward(\"tcp:127.0.0.3:5099\")) sl_reply_error();\n}\n");
        Assert.Equal("SIP/2.0 503 Transport Not Supported", Assert.Single(proxy.Send(StatelessProxyRequestTests.Invite())).StartLine);
    }

    [Fact]
    public void ForwardFollowsDu()
    {
        using ProxyHarness proxy = Harness("route {\n $du = \"sip:127.0.0.4:5088\"; if (!forward()) sl_reply_error();\n}\n");
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 4, 5088), Assert.Single(proxy.Send(StatelessProxyRequestTests.Invite())).Destination);
    }

    [Fact]
    public void ADuThatIsNoSipUriIsABadDestination()
    {
        using ProxyHarness proxy = Harness("route {\n $du = \"sip:127.0.0.4:99999\"; if (!forward()) sl_reply_error();\n}\n");
        Assert.Equal("SIP/2.0 400 Bad Destination", Assert.Single(proxy.Send(StatelessProxyRequestTests.Invite())).StartLine);
    }

    [Fact]
    public void SetAdvertisedAddressGoesIntoOurVia()
    {
        using ProxyHarness proxy = Harness("route {\n set_advertised_address(\"edge.example.com\"); set_advertised_port(5099); forward();\n}\n");
        string via = Assert.Single(proxy.Send(StatelessProxyRequestTests.Invite())).Headers("Via")[0];
        Assert.StartsWith("SIP/2.0/UDP edge.example.com:5099;branch=z9hG4bK", via, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplyRouteCanDropProvisionalsAndScriptsWithoutForwardDoNotRelay()
    {
        const string Response = "SIP/2.0 {0}\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKhp1\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-x\r\n"
            + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: r@x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        using ProxyHarness proxy = Harness("route {\n forward();\n}\nonreply_route {\n if ($rs == 180) drop;\n}\n");
        Assert.Empty(proxy.Send(string.Format(System.Globalization.CultureInfo.InvariantCulture, Response, "180 Ringing")));
        Assert.Single(proxy.Send(string.Format(System.Globalization.CultureInfo.InvariantCulture, Response, "200 OK")));

        using ProxyHarness replier = Harness("route {\n sl_send_reply(404, \"No\");\n}\n");
        Assert.Empty(replier.Send(string.Format(System.Globalization.CultureInfo.InvariantCulture, Response, "200 OK")));
        Assert.Equal(1, replier.Counters.RepliesDropped);
    }

    [Fact]
    public void ScriptThatAnswersNothingSendsNothing()
    {
        using ProxyHarness proxy = Harness("route {\n if ($rm == \"INVITE\") drop;\n sl_send_reply(200, \"OK\");\n}\n");
        Assert.Empty(proxy.Send(StatelessProxyRequestTests.Invite()));
        Assert.Equal("SIP/2.0 200 OK", Assert.Single(proxy.Send(StatelessProxyRequestTests.Options())).StartLine);
    }
}
