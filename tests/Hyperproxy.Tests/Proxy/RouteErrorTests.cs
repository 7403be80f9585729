using System.Text;
using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Script;
using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Tests.Proxy;

/// <summary>Every routing failure keeps its reply (code and reason) and its script return code.</summary>
public sealed class RouteErrorTests
{
    [Theory]
    [InlineData(RouteError.None, 0, "", 1)]
    [InlineData(RouteError.NotRequest, 0, "", -1)]
    [InlineData(RouteError.BadRoute, 400, "Bad Route", -2)]
    [InlineData(RouteError.BadRequestUri, 400, "Bad Request-URI", -2)]
    [InlineData(RouteError.BadDestination, 400, "Bad Destination", -2)]
    [InlineData(RouteError.ResolutionPending, 0, "", -4)]
    [InlineData(RouteError.Unresolvable, 478, "Unresolvable Destination", -4)]
    [InlineData(RouteError.UnsupportedScheme, 416, "Unsupported URI Scheme", -3)]
    [InlineData(RouteError.UnsupportedTransport, 503, "Transport Not Supported", -3)]
    [InlineData(RouteError.NotUnicast, 403, "Destination Not Unicast", -3)]
    [InlineData(RouteError.NoSocket, 503, "No Socket For Address Family", -6)]
    [InlineData(RouteError.Loop, 482, "Loop Detected", -1)]
    [InlineData(RouteError.Internal, 500, "Server Internal Error", -1)]
    [InlineData(RouteError.OutputFull, 0, "", -6)]
    [InlineData(RouteError.FlowFailed, 430, "Flow Failed", -3)]
    public void EachRouteErrorHasItsReplyAndReturnCode(RouteError error, int code, string reason, int returnCode)
    {
        Assert.Equal(code, RouteErrors.StatusCode(error));
        Assert.Equal(reason, Encoding.ASCII.GetString(RouteErrors.ReasonPhrase(error)));
        Assert.Equal(reason, Encoding.ASCII.GetString(RouteErrors.Reason(error)));
        Assert.Equal(returnCode, RouteErrors.ReturnCode(error));
    }

    [Fact]
    public void TheTableAboveCoversEveryRouteError()
    {
        var rows = typeof(RouteErrorTests).GetMethod(nameof(EachRouteErrorHasItsReplyAndReturnCode))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Length;
        Assert.Equal(Enum.GetValues<RouteError>().Length, rows);
    }

    [Theory]
    [InlineData("Route: <garbage>\n")]
    [InlineData("Route: <sip:127.0.0.1:5060;lr>, <garbage>\n")]
    public void AnUnreadableRouteIsAnswered400BadRoute(string route)
    {
        using var proxy = new ProxyHarness();
        Assert.Equal("SIP/2.0 400 Bad Route", Assert.Single(proxy.Send(StatelessProxyRequestTests.Invite(extra: route))).StartLine);
    }

    [Fact]
    public void ADestinationWithoutASocketOfItsFamilyIsAnswered503NoSocket()
    {
        using var proxy = new ProxyHarness(ipv4Only: true);
        Assert.Equal("SIP/2.0 503 No Socket For Address Family",
            Assert.Single(proxy.Send(StatelessProxyRequestTests.Invite(ruri: "sip:bob@[::1]:5070"))).StartLine);
        Assert.Equal(1, proxy.Counters.NoRouteReplies);
    }

    [Theory]
    [InlineData("forward(\"127.0.0.3:5099\");", 1)]
    [InlineData("$du = \"sip:127.0.0.4:99999\"; forward();", -2)]
    [InlineData("forward(\"tcp:127.0.0.3:5099\");", -3)]
    [InlineData("$du = \"sip:bob@255.255.255.255\"; forward();", -3)]
    [InlineData("forward(\"nowhere.test\");", -4)]
    public void ForwardReturnsTheCodeOfItsOutcome(string call, int returnCode)
    {
        CompiledScript script = new ModuleCatalog().CompileText(
            "loadmodule \"sl.so\"\nroute {\n " + call + "\n if ($rc == " + returnCode + ") sl_send_reply(299, \"Matched\");\n}\n", "t.cfg");
        using var proxy = new ProxyHarness(script: script);
        Assert.Contains(proxy.Send(StatelessProxyRequestTests.Invite()), s => s.StartLine == "SIP/2.0 299 Matched");
    }
}
