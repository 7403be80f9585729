using System.Net;
using System.Net.Sockets;
using Hyperproxy.Proxy;
using Hyperproxy.Proxy.Dns;
using Hyperproxy.Sip;
using Hyperproxy.Tests.Shared;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Dns;

/// <summary>
/// Our DNS client and RFC 3263 resolution against a real DNS server (dnsmasq on loopback): A/SRV/NAPTR answers,
/// SRV priority order and ports, NAPTR's transport choice, the fallbacks (no NAPTR → SRV → A/AAAA on the default port),
/// a URI's transport narrowing the lookup, TCP after a truncated UDP answer, TTL expiry, and a server that does not answer.
/// </summary>
public sealed class DnsmasqResolutionTests
{
    private static readonly string[] Records =
    [
        // SRV over UDP: two priorities
        "--srv-host=_sip._udp.callee.test,b.callee.test,5072,20,10",
        "--srv-host=_sip._udp.callee.test,a.callee.test,5070,10,10",
        "--host-record=a.callee.test,127.0.0.2",
        "--host-record=b.callee.test,127.0.0.3",
        // NAPTR → TCP
        "--naptr-record=naptr.test,10,10,s,SIP+D2T,,_sip._tcp.naptr.test",
        "--naptr-record=naptr.test,20,10,s,SIP+D2U,,_sip._udp.naptr.test",
        "--srv-host=_sip._tcp.naptr.test,t.naptr.test,5080,10,10",
        "--srv-host=_sip._udp.naptr.test,u.naptr.test,5090,10,10",
        "--host-record=t.naptr.test,127.0.0.4",
        "--host-record=u.naptr.test,127.0.0.5",
        // only A
        "--host-record=plain.test,127.0.0.6",
        // SRV over TCP only (no NAPTR)
        "--srv-host=_sip._tcp.tcponly.test,a.callee.test,5071,10,10",
        // sips
        "--srv-host=_sips._tcp.secure.test,a.callee.test,5061,10,10",
    ];

    private static SipLocator Locator(DnsmasqServer dns, bool naptr = true, params TransportProtocol[] served) =>
        new(dns.Client(), naptr, tryIpv6: false, p => Array.IndexOf(served.Length == 0 ? [TransportProtocol.Udp, TransportProtocol.Tcp, TransportProtocol.Tls] : served, p) >= 0,
            new Random(5));

    [Fact]
    public async Task TheClientReadsAAndSrvAndNaptrAndNegativeAnswers()
    {
        using var dns = DnsmasqServer.Start(30, Records);
        DnsClient client = dns.Client();
        DnsAnswer a = await client.QueryAsync("plain.test", DnsType.A);
        Assert.Equal(DnsStatus.Ok, a.Status);
        Assert.Equal(IPAddress.Parse("127.0.0.6"), Assert.Single(a.Records).Address);
        Assert.Equal(30u, a.Ttl);

        DnsAnswer srv = await client.QueryAsync("_sip._udp.callee.test", DnsType.Srv);
        Assert.Equal([("a.callee.test", 5070, 10), ("b.callee.test", 5072, 20)],
            srv.Records.Select(r => (r.Target, (int)r.Port, (int)r.Priority)).OrderBy(r => r.Item3).ToArray());

        DnsAnswer naptr = await client.QueryAsync("naptr.test", DnsType.Naptr);
        Assert.Equal(2, naptr.Records.Count);
        Assert.Contains(naptr.Records, r => r is { Service: "SIP+D2T", Flags: "s", Target: "_sip._tcp.naptr.test", Order: 10 });

        Assert.Equal(DnsStatus.NoRecords, (await client.QueryAsync("nobody.test", DnsType.A)).Status);
    }

    [Fact]
    public async Task SrvTargetsComeInPriorityOrderWithTheirPorts()
    {
        using var dns = DnsmasqServer.Start(30, Records);
        SipLocation l = await Locator(dns).LocateAsync("callee.test", NextHopMode.SrvUdp);
        Assert.Equal(TransportProtocol.Udp, l.Protocol);
        Assert.Equal([new SipTarget(IPAddress.Parse("127.0.0.2"), 5070), new SipTarget(IPAddress.Parse("127.0.0.3"), 5072)], l.Targets);
        Assert.True(l.HasPorts);
    }

    [Fact]
    public async Task WithinAPriorityTheServersWeightsShareTheFirstPlace()
    {
        using var dns = DnsmasqServer.Start(30,
        [
            "--srv-host=_sip._udp.weighted.test,light.weighted.test,5060,10,10",
            "--srv-host=_sip._udp.weighted.test,heavy.weighted.test,5060,10,30",
            "--host-record=light.weighted.test,127.0.0.10",
            "--host-record=heavy.weighted.test,127.0.0.11",
        ]);
        var locator = new SipLocator(dns.Client(), true, false, _ => true, new Random(2026));
        int heavyFirst = 0;
        const int Runs = 300;
        for (int i = 0; i < Runs; i++)
        {
            SipLocation l = await locator.LocateAsync("weighted.test", NextHopMode.SrvUdp);
            Assert.Equal(2, l.Targets.Count);
            heavyFirst += l.Targets[0].Address.Equals(IPAddress.Parse("127.0.0.11")) ? 1 : 0;
        }

        Assert.InRange(heavyFirst / (double)Runs, 0.62, 0.88); // 30 / (10 + 30) = 0.75
    }

    [Fact]
    public async Task NaptrPicksTheTransportByOrder()
    {
        using var dns = DnsmasqServer.Start(30, Records);
        SipLocation l = await Locator(dns).LocateAsync("naptr.test", NextHopMode.AnySip);
        Assert.Equal(TransportProtocol.Tcp, l.Protocol);
        Assert.Equal([new SipTarget(IPAddress.Parse("127.0.0.4"), 5080)], l.Targets);
    }

    [Fact]
    public async Task ANaptrOfATransportNotServedIsSkipped()
    {
        using var dns = DnsmasqServer.Start(30, Records);
        SipLocation l = await Locator(dns, true, TransportProtocol.Udp).LocateAsync("naptr.test", NextHopMode.AnySip);
        Assert.Equal(TransportProtocol.Udp, l.Protocol);
        Assert.Equal([new SipTarget(IPAddress.Parse("127.0.0.5"), 5090)], l.Targets);
    }

    [Fact]
    public async Task WithoutDnsTryNaptrSrvOfEachTransportIsAskedUdpFirst()
    {
        using var dns = DnsmasqServer.Start(30, Records);
        SipLocation l = await Locator(dns, naptr: false).LocateAsync("naptr.test", NextHopMode.AnySip);
        Assert.Equal(TransportProtocol.Udp, l.Protocol);
        Assert.Equal(5090, Assert.Single(l.Targets).Port);
    }

    [Fact]
    public async Task NoNaptrAndOnlyTcpSrvMeansTcp()
    {
        using var dns = DnsmasqServer.Start(30, Records);
        SipLocation l = await Locator(dns).LocateAsync("tcponly.test", NextHopMode.AnySip);
        Assert.Equal(TransportProtocol.Tcp, l.Protocol);
        Assert.Equal(new SipTarget(IPAddress.Parse("127.0.0.2"), 5071), Assert.Single(l.Targets));
    }

    [Fact]
    public async Task NoSrvMeansTheAddressOnTheDefaultPort()
    {
        using var dns = DnsmasqServer.Start(30, Records);
        SipLocation sip = await Locator(dns).LocateAsync("plain.test", NextHopMode.AnySip);
        Assert.Equal((TransportProtocol.Udp, new SipTarget(IPAddress.Parse("127.0.0.6"), 5060)), (sip.Protocol, Assert.Single(sip.Targets)));

        SipLocation sips = await Locator(dns).LocateAsync("plain.test", NextHopMode.AnySips);
        Assert.Equal((TransportProtocol.Tls, new SipTarget(IPAddress.Parse("127.0.0.6"), 5061)), (sips.Protocol, Assert.Single(sips.Targets)));

        SipLocation tcp = await Locator(dns).LocateAsync("plain.test", NextHopMode.SrvTcp);
        Assert.Equal((TransportProtocol.Tcp, new SipTarget(IPAddress.Parse("127.0.0.6"), 5060)), (tcp.Protocol, Assert.Single(tcp.Targets)));
    }

    [Fact]
    public async Task ATransportInTheUriNarrowsTheSrvLookup()
    {
        using var dns = DnsmasqServer.Start(30, Records);
        // callee.test has only _sip._udp: ;transport=tcp asks _sip._tcp, finds none, and uses A of callee.test (none): nothing.
        SipLocation tcp = await Locator(dns).LocateAsync("callee.test", NextHopMode.SrvTcp);
        Assert.Empty(tcp.Targets);
        Assert.False(tcp.Failed);

        SipLocation tls = await Locator(dns).LocateAsync("secure.test", NextHopMode.AnySips);
        Assert.Equal((TransportProtocol.Tls, new SipTarget(IPAddress.Parse("127.0.0.2"), 5061)), (tls.Protocol, Assert.Single(tls.Targets)));
    }

    [Fact]
    public async Task APortInTheUriMeansAOnly()
    {
        using var dns = DnsmasqServer.Start(30, Records);
        SipLocation l = await Locator(dns).LocateAsync("callee.test", NextHopMode.Address);
        Assert.Empty(l.Targets); // callee.test has SRV records but no address of its own
        Assert.False(l.HasPorts);
    }

    [Fact]
    public async Task ATruncatedUdpAnswerIsAskedAgainOverTcp()
    {
        var many = new List<string>();
        for (int i = 1; i <= 60; i++)
        {
            many.Add($"--host-record=many.test,10.0.0.{i}");
        }

        using var dns = DnsmasqServer.Start(30, many);
        DnsAnswer a = await dns.Client().QueryAsync("many.test", DnsType.A);
        Assert.Equal(DnsStatus.Ok, a.Status);
        Assert.Equal(60, a.Records.Count); // 60 A records do not fit 512 bytes of UDP
    }

    [Fact]
    public void TheResolverAsksAgainWhenTheTtlRunsOut()
    {
        int port;
        using var resolver = new NextHopResolver(new SipLocator(new DnsClient([new IPEndPoint(IPAddress.Loopback, port = DnsmasqServer.FreePort())], TimeSpan.FromMilliseconds(300), 2),
            true, false, _ => true));
        using (var first = DnsmasqServer.Start(1, ["--host-record=moving.test,127.0.0.7"], port))
        {
            Assert.True(resolver.WaitFor("moving.test", TimeSpan.FromSeconds(10), NextHopMode.Address));
            Assert.Equal(NextHopResolver.Result.Found, resolver.Lookup("moving.test"u8, 5060, NetAddressFamily.IPv4, out NetAddress a));
            Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 7, 5060), a);
        }

        using var second = DnsmasqServer.Start(1, ["--host-record=moving.test,127.0.0.8"], port);
        NetAddress now = default;

        // each lookup past the TTL asks again; the cached answer is used meanwhile
        SpinWait.SpinUntil(() =>
        {
            resolver.Lookup("moving.test"u8, 5060, NetAddressFamily.IPv4, out now);
            return now == NetAddress.FromIPv4(127, 0, 0, 8, 5060);
        }, TimeSpan.FromSeconds(15));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 8, 5060), now);
    }

    [Fact]
    public void ANegativeAnswerIsCachedAndAnsweredWithoutWaiting()
    {
        using var dns = DnsmasqServer.Start(30, Records);
        using var resolver = new NextHopResolver(Locator(dns));
        Assert.Equal(NextHopResolver.Result.Pending, resolver.Lookup("nobody.test"u8, 0, NextHopMode.AnySip, NetAddressFamily.IPv4, 0, out _, out _));
        Assert.True(resolver.WaitFor("nobody.test", TimeSpan.FromSeconds(10), NextHopMode.AnySip));
        Assert.Equal(NextHopResolver.Result.Unresolvable, resolver.Lookup("nobody.test"u8, 0, NextHopMode.AnySip, NetAddressFamily.IPv4, 0, out _, out _));

        // the same name looked up for another purpose (a port: A only) is an entry of its own
        Assert.Equal(NextHopResolver.Result.Pending, resolver.Lookup("callee.test"u8, 5060, NetAddressFamily.IPv4, out _));
        Assert.True(resolver.WaitFor("callee.test", TimeSpan.FromSeconds(10), NextHopMode.AnySip));
        Assert.Equal(NextHopResolver.Result.Found, resolver.Lookup("callee.test"u8, 0, NextHopMode.AnySip, NetAddressFamily.IPv4, 1, out NetAddress second,
            out TransportProtocol protocol));
        Assert.Equal((NetAddress.FromIPv4(127, 0, 0, 3, 5072), TransportProtocol.Udp), (second, protocol));
        Assert.True(resolver.WaitFor("callee.test", TimeSpan.FromSeconds(10)));
        Assert.Equal(NextHopResolver.Result.Unresolvable, resolver.Lookup("callee.test"u8, 5060, NetAddressFamily.IPv4, out _));
    }

    [Fact]
    public async Task AServerThatDoesNotAnswerIsAFailureAfterTheTimeouts()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var client = new DnsClient([(IPEndPoint)silent.LocalEndPoint!], TimeSpan.FromMilliseconds(200), 2);
        DnsAnswer a = await client.QueryAsync("plain.test", DnsType.A);
        Assert.Equal(DnsStatus.Failed, a.Status);

        SipLocation l = await new SipLocator(client, true, false, _ => true).LocateAsync("plain.test", NextHopMode.AnySip);
        Assert.Empty(l.Targets);
        Assert.True(l.Failed);
    }

    [Fact]
    public async Task ANameOfTheHostsFileNeedsNoDnsServer()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        string hostsFile = Path.GetTempFileName();
        File.WriteAllText(hostsFile, "# comment\n127.0.0.1 localhost\n::1 localhost ip6-localhost\n10.1.2.3 box.lan box # alias\n");
        try
        {
            var locator = new SipLocator(new DnsClient([(IPEndPoint)silent.LocalEndPoint!], TimeSpan.FromSeconds(5), 2), true, false, _ => true)
            {
                Hosts = SipLocator.ReadHosts(hostsFile),
            };
            SipLocation sip = await locator.LocateAsync("box", NextHopMode.AnySip).WaitAsync(TimeSpan.FromSeconds(2));
            Assert.Equal((TransportProtocol.Udp, new SipTarget(IPAddress.Parse("10.1.2.3"), 5060)), (sip.Protocol, Assert.Single(sip.Targets)));
            SipLocation plain = await locator.LocateAsync("localhost", NextHopMode.Address).WaitAsync(TimeSpan.FromSeconds(2));
            Assert.Equal(IPAddress.Loopback, Assert.Single(plain.Targets).Address); // AAAA not asked: the ::1 line is left out
            SipLocation tls = await locator.LocateAsync("box.lan", NextHopMode.SrvTls).WaitAsync(TimeSpan.FromSeconds(2));
            Assert.Equal((TransportProtocol.Tls, 5061), (tls.Protocol, Assert.Single(tls.Targets).Port));
        }
        finally
        {
            File.Delete(hostsFile);
        }
    }

    [Fact]
    public async Task AServerThatAnswersGarbageIsAFailureNotACrash()
    {
        using var liar = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        liar.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var client = new DnsClient([(IPEndPoint)liar.LocalEndPoint!], TimeSpan.FromMilliseconds(500), 1);
        Task<DnsAnswer> query = client.QueryAsync("plain.test", DnsType.A);
        byte[] buffer = new byte[512];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int n = liar.ReceiveFrom(buffer, ref from);
        // the query's id, QR set, one answer claimed, then a record whose owner is a compression loop
        byte[] reply = [buffer[0], buffer[1], 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1];
        Assert.True(n > 12);
        liar.SendTo(reply, from);
        Assert.Equal(DnsStatus.Failed, (await query).Status);
    }
}
