using Hyperproxy.Proxy;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Proxy;

/// <summary>"Is this me": names in any case, addresses by value, the port (absent = 5060; any for an alias without one) or any of ours.</summary>
public sealed class ProxyIdentityTests
{
    private static readonly ProxyIdentity s_identity = new(
        [NetAddress.IPv4Loopback(5060), NetAddress.IPv6Loopback(5070), NetAddress.FromIPv4(127, 0, 0, 2, 5080)],
        [null, null, AdvertisedAddress.Parse("sip.example.com:5090", 5060)],
        ["alias.example.org", "ported.example.org:5062"]);

    [Theory]
    [InlineData("127.0.0.1", 5060, true)]
    [InlineData("127.0.0.1", 0, true)]       // no port: 5060
    [InlineData("127.0.0.1", 5070, false)]
    [InlineData("[::1]", 5070, true)]
    [InlineData("[0:0::1]", 5070, true)]     // the same address written another way
    [InlineData("[::1]", 5060, false)]
    [InlineData("sip.example.com", 5090, true)]
    [InlineData("SIP.Example.COM", 5090, true)]
    [InlineData("sip.example.com", 5080, false)]
    [InlineData("127.0.0.2", 5080, true)]    // the bound address of an advertised socket is still us
    [InlineData("alias.example.org", 0, true)]
    [InlineData("alias.example.org", 5070, true)]   // an alias without a port matches any port (grep_aliases)
    [InlineData("ALIAS.Example.ORG", 5099, true)]
    [InlineData("ported.example.org", 5062, true)]
    [InlineData("PORTED.example.org", 5062, true)]
    [InlineData("ported.example.org", 5060, false)] // one with a port matches that port only
    [InlineData("ported.example.org", 0, false)]
    [InlineData("127.0.0.7", 5060, false)]
    [InlineData("example.com", 5060, false)]
    [InlineData("", 5060, false)]
    public void IsMeComparesNamesAndAddressesOnThePort(string host, int port, bool me) =>
        Assert.Equal(me, s_identity.IsMe(System.Text.Encoding.ASCII.GetBytes(host), port));

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("[::1]", true)]
    [InlineData("[0:0::1]", true)]
    [InlineData("sip.example.com", true)]
    [InlineData("ALIAS.example.org", true)]
    [InlineData("127.0.0.2", true)]
    [InlineData("127.0.0.7", false)]
    [InlineData("[::2]", false)]
    [InlineData("example.com", false)]
    public void IsMyselfWithoutAPortMeansAnyOfOurPorts(string host, bool me) =>
        Assert.Equal(me, s_identity.IsMyself(System.Text.Encoding.ASCII.GetBytes(host), 0));
}
