using System.Net;
using Hyperproxy.Script;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Proxy;

/// <summary>
/// RFC 5118 (SIP torture tests for IPv6) through the proxy running its built-in default script: where each
/// case goes, or what it is answered. The parser side of the same cases is in Hyperproxy.Sip.Tests.
/// </summary>
public sealed class Rfc5118ProxyTests : IDisposable
{
    private static readonly NetAddress s_uac = NetAddress.IPv6Loopback(40000);

    private readonly ProxyHarness _proxy = new(script: global::Hyperproxy.Proxy.DefaultScript.Compiled);

    public void Dispose() => _proxy.Dispose();

    private static string Options(string ruri, string via = "SIP/2.0/UDP [::1]:40000;branch=z9hG4bK-5118") =>
        $"OPTIONS {ruri} SIP/2.0\nVia: {via}\nTo: <sip:user@example.com>\nFrom: <sip:user@example.com>;tag=81x2\n"
        + "Call-ID: 5118@test\nCSeq: 1 OPTIONS\nMax-Forwards: 70\nContent-Length: 0\n\n";

    private static NetAddress V6(string address, int port) => NetAddress.FromIPEndPoint(new IPEndPoint(IPAddress.Parse(address), port));

    [Fact]
    public void AnIPv6ReferenceWithoutBracketsIsABadRequestUri()
    {
        // §4.2: "sip:2001:db8::10" reads as host "2001" with a port "db8::10"; the default script's forward() fails.
        ProxyHarness.Sent reply = Assert.Single(_proxy.Send(Options("sip:2001:db8::10"), s_uac, 1));
        Assert.Equal("SIP/2.0 400 Bad Request-URI", reply.StartLine);
        Assert.Equal(s_uac, reply.Destination);
    }

    [Theory]
    [InlineData("sip:[2001:db8::10:5070]", "2001:db8::10:5070", 5060)] // §4.3: the port is inside the brackets: none
    [InlineData("sip:[2001:db8::10]:5070", "2001:db8::10", 5070)]      // §4.4
    [InlineData("sip:user@[::ffff:192.0.2.128]", "::ffff:192.0.2.128", 5060)] // §4.9: IPv4-mapped
    public void AnIPv6RequestUriIsForwardedToItsAddressAndPort(string ruri, string address, int port)
    {
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(Options(ruri), s_uac, 1));
        Assert.Equal($"OPTIONS {ruri} SIP/2.0", fwd.StartLine);
        Assert.Equal(V6(address, port), fwd.Destination);
        Assert.Equal(1, fwd.Socket); // out of the IPv6 socket, with its Via on top
        Assert.StartsWith("SIP/2.0/UDP [::1]:5060;branch=z9hG4bK", fwd.Headers("Via")[0], StringComparison.Ordinal);
    }

    [Fact]
    public void AnIPv6ReferenceThatIsNoAddressIsUnresolvableAtOnce()
    {
        // §4.10: three colons before the dotted quad is no IPv6 address (RFC 5954): a 478 now, no DNS query.
        ProxyHarness.Sent reply = Assert.Single(_proxy.Send(Options("sip:[2001:db8:::192.0.2.1]"), s_uac, 1));
        Assert.Equal("SIP/2.0 478 Unresolvable Destination", reply.StartLine);
        Assert.Equal("SIP/2.0 478 Unresolvable Destination", Assert.Single(_proxy.Send(Options("sip:192.0.2.300"), s_uac, 1)).StartLine);
    }

    [Theory]
    [InlineData("SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3", "2001:db8::9:255", 5060)]
    [InlineData("SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3", "2001:db8::9:255", 5060)]
    [InlineData("SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3", "2001:db8::9:1", 6050)]
    [InlineData("SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKbzxdiwo34sw", "::ffff:192.0.2.10", 19823)]
    public void AResponseGoesToTheIPv6ViaBelowOurs(string via, string address, int port)
    {
        // §4.5 (received with and without brackets), §4.7, §4.9: the response leaves our Via and follows the next.
        string response = "SIP/2.0 200 OK\nVia: SIP/2.0/UDP [::1]:5060;branch=z9hG4bKhp-5118\nVia: " + via
            + "\nTo: <sip:user@example.com>;tag=2\nFrom: <sip:user@example.com>;tag=81x2\nCall-ID: 5118@test\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n";
        ProxyHarness.Sent relayed = Assert.Single(_proxy.Send(response, V6("2001:db8::10", 5060), 1));
        Assert.Equal("SIP/2.0 200 OK", relayed.StartLine);
        Assert.Equal([via], relayed.Headers("Via"));
        Assert.Equal(V6(address, port), relayed.Destination);
    }
}
