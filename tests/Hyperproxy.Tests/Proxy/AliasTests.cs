using System.Net;
using Hyperproxy.Hosting;
using Hyperproxy.Modules;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Proxy;

/// <summary>
/// <c>alias=</c> as OpenSIPS's grep_aliases reads it: without a port it names us on any port, host names in
/// any case (RFC 3261 §19.1.4); and <c>auto_aliases</c>, which adds the names the listen addresses resolve to.
/// </summary>
public sealed class AliasTests
{
    private const string RoutedInvite = "INVITE sip:bob@127.0.0.2:5070 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-al1\n"
        + "Route: <sip:P1.EXAMPLE.TEST:5070;lr>, <sip:127.0.0.3:5099;lr>\nMax-Forwards: 10\n"
        + "From: <sip:alice@example.com>;tag=f1\nTo: <sip:bob@example.com>\nCall-ID: al-1@example.com\nCSeq: 1 INVITE\nContent-Length: 0\n\n";

    [Fact]
    public void ARouteNamingAPortlessAliasInUpperCaseOnAnotherPortIsOursAndPoppedByTheDefaultScript()
    {
        using var proxy = new ProxyHarness(aliases: ["p1.example.test"]);
        ProxyHarness.Sent fwd = Assert.Single(proxy.Send(RoutedInvite));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 3, 5099), fwd.Destination);
        Assert.Equal(["<sip:127.0.0.3:5099;lr>"], fwd.Headers("Route"));
    }

    [Fact]
    public void LooseRouteTakesARouteNamingAPortlessAliasInAnyCaseOnAnyPort()
    {
        using ProxyHarness proxy = ScriptedWithAlias("alias=\"p1.example.test\"\n",
            "route {\n if (loose_route()) { forward(); exit; }\n sl_send_reply(404, \"Not Routed\");\n}\n");
        ProxyHarness.Sent fwd = Assert.Single(proxy.Send(RoutedInvite));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 3, 5099), fwd.Destination);
        Assert.Equal(["<sip:127.0.0.3:5099;lr>"], fwd.Headers("Route"));
    }

    [Theory]
    [InlineData("sip:bob@P1.EXAMPLE.TEST:5070")]
    [InlineData("sip:bob@p1.example.test")]
    [InlineData("sip:bob@P1.Example.Test:5099")]
    public void UriEqualsMyselfAndIsMyselfAcceptAPortlessAliasOnAnyPort(string ruri)
    {
        using ProxyHarness proxy = ScriptedWithAlias("alias=\"p1.example.test\"\n",
            "route {\n if (uri == myself && is_myself(\"P1.EXAMPLE.TEST\", 5070) && is_myself(\"$rd\", \"$rp\")) sl_send_reply(200, \"Me\");\n"
            + " else sl_send_reply(404, \"Not Me\");\n}\n");
        string invite = StatelessProxyRequestTests.Invite(ruri: ruri);
        Assert.Equal("SIP/2.0 200 Me", Assert.Single(proxy.Send(invite)).StartLine);
    }

    [Fact]
    public void AnAliasWithAPortNamesUsOnThatPortOnly()
    {
        using ProxyHarness proxy = ScriptedWithAlias("alias=\"p1.example.test:5070\"\n",
            "route {\n if (uri == myself) sl_send_reply(200, \"Me\"); else sl_send_reply(404, \"Not Me\");\n}\n");
        Assert.Equal("SIP/2.0 200 Me", Assert.Single(proxy.Send(StatelessProxyRequestTests.Invite(ruri: "sip:bob@P1.example.test:5070"))).StartLine);
        Assert.Equal("SIP/2.0 404 Not Me", Assert.Single(proxy.Send(StatelessProxyRequestTests.Invite(ruri: "sip:bob@p1.example.test:5099"))).StartLine);
    }

    [Fact]
    public void AutoAliasesAddsTheNamesEachListenAddressResolvesToOnItsPort()
    {
        CompiledScript script = Compile("auto_aliases=yes\nalias=\"static.example.test\"\n", "route {\n exit;\n}\n");
        var asked = new List<IPAddress>();
        IReadOnlyList<string> aliases = ScriptSetup.Aliases(script,
            [NetAddress.IPv4Loopback(5070), NetAddress.FromIPv4(0, 0, 0, 0, 5080), NetAddress.FromIPv4(127, 0, 0, 2, 5090)],
            address =>
            {
                asked.Add(address);
                return address.Equals(IPAddress.Loopback)
                    ? new IPHostEntry { HostName = "edge1.example.test", Aliases = ["p1.example.test", "127.0.0.1"], AddressList = [address] }
                    : throw new System.Net.Sockets.SocketException(11004);
            });

        Assert.Equal(["static.example.test", "edge1.example.test:5070", "p1.example.test:5070"], aliases);
        Assert.Equal([IPAddress.Loopback, IPAddress.Parse("127.0.0.2")], asked); // the wildcard has no name to ask for
    }

    [Fact]
    public void WithoutAutoAliasesNoNameIsLookedUp()
    {
        CompiledScript script = Compile("alias=\"static.example.test\"\n", "route {\n exit;\n}\n");
        Assert.False(script.Program.Settings.AutoAliases);
        IReadOnlyList<string> aliases = ScriptSetup.Aliases(script, [NetAddress.IPv4Loopback(5070)],
            _ => throw new InvalidOperationException("auto_aliases is off: nothing may be resolved"));
        Assert.Equal(["static.example.test"], aliases);
    }

    private static ProxyHarness ScriptedWithAlias(string globals, string routes)
    {
        CompiledScript script = Compile(globals, routes);
        return new ProxyHarness(aliases: ScriptSetup.Aliases(script, [ProxyHarness.Us4, ProxyHarness.Us6]), script: script);
    }

    private static CompiledScript Compile(string globals, string routes) =>
        new ModuleCatalog().CompileText(globals + "loadmodule \"sl.so\"\nloadmodule \"rr.so\"\n" + routes, "t.cfg");
}
