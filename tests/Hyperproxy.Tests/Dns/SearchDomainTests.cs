using System.Net;
using Hyperproxy.Proxy.Dns;
using Hyperproxy.Tests.Shared;

namespace Hyperproxy.Tests.Dns;

/// <summary>
/// resolv.conf's <c>search</c>/<c>domain</c> and <c>ndots</c> (resolv.conf(5)) in RFC 3263 resolution against dnsmasq: a
/// short name is tried in each search domain (the first that has records wins) before it is tried as it is, a name with
/// at least ndots dots as it is first, a name ending in a dot only as it is; and the file's lines are read as the C
/// resolver reads them.
/// </summary>
public sealed class SearchDomainTests
{
    private static readonly string[] Records =
    [
        "--host-record=callee.sip.test,127.0.0.7",
        "--srv-host=_sip._udp.registrar.sip.test,a.registrar.sip.test,5075,10,10",
        "--host-record=a.registrar.sip.test,127.0.0.8",
        "--host-record=two.dots.test,127.0.0.9",
        "--host-record=two.dots.test.sip.test,127.0.0.10",
    ];

    private static SipLocator Locator(DnsmasqServer dns, int ndots, params string[] search)
    {
        DnsClient plain = dns.Client();
        var client = new DnsClient(plain.Servers, plain.Timeout, plain.Attempts) { Search = search, Ndots = ndots };
        return new SipLocator(client, tryNaptr: false, tryIpv6: false, _ => true, new Random(3));
    }

    [Fact]
    public async Task AShortNameIsFoundInTheSearchDomainThatHasItSrvIncluded()
    {
        using var dns = DnsmasqServer.Start(30, Records);
        SipLocator locator = Locator(dns, 1, "other.test", "sip.test");
        SipLocation callee = await locator.LocateAsync("callee", NextHopMode.Address);
        Assert.Equal(IPAddress.Parse("127.0.0.7"), Assert.Single(callee.Targets).Address);

        SipLocation registrar = await locator.LocateAsync("registrar", NextHopMode.AnySip);
        Assert.Equal(new SipTarget(IPAddress.Parse("127.0.0.8"), 5075), Assert.Single(registrar.Targets));

        Assert.Empty((await locator.LocateAsync("nobody", NextHopMode.Address)).Targets);
    }

    [Fact]
    public async Task NdotsDecidesWhetherTheNameAsItIsComesFirstAndATrailingDotMeansOnlyAsItIs()
    {
        using var dns = DnsmasqServer.Start(30, Records);
        // Two dots, ndots 1: as it is first (127.0.0.9); ndots 5 (as Kubernetes sets it): the search domain first (.10).
        Assert.Equal(IPAddress.Parse("127.0.0.9"), Assert.Single((await Locator(dns, 1, "sip.test").LocateAsync("two.dots.test", NextHopMode.Address)).Targets).Address);
        Assert.Equal(IPAddress.Parse("127.0.0.10"), Assert.Single((await Locator(dns, 5, "sip.test").LocateAsync("two.dots.test", NextHopMode.Address)).Targets).Address);
        Assert.Empty((await Locator(dns, 1, "sip.test").LocateAsync("callee.", NextHopMode.Address)).Targets);
        Assert.Empty((await Locator(dns, 1).LocateAsync("callee", NextHopMode.Address)).Targets); // no search list: as it is only
    }

    [Fact]
    public void ResolvConfSearchDomainAndNdotsAreReadTheLastSearchOrDomainLineWinning()
    {
        string path = Path.Combine(Path.GetTempPath(), "hp-resolv-" + Guid.NewGuid().ToString("N")[..12]);
        File.WriteAllText(path, "nameserver 127.0.0.53\ndomain old.test\nsearch a.test b.test. a.test\noptions ndots:5 timeout:3\n# search commented.test\n");
        try
        {
            DnsClient client = DnsClient.FromResolvConf(path);
            Assert.Equal(["a.test", "b.test"], client.Search);
            Assert.Equal(5, client.Ndots);
            Assert.Equal(TimeSpan.FromSeconds(3), client.Timeout);

            File.WriteAllText(path, "nameserver 127.0.0.53\nsearch a.test\ndomain only.test\n");
            DnsClient second = DnsClient.FromResolvConf(path);
            Assert.Equal(["only.test"], second.Search);
            Assert.Equal(1, second.Ndots);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
