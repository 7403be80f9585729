using System.Net;
using System.Net.Sockets;
using Hyperproxy.Proxy;
using Hyperproxy.Proxy.Dns;
using Hyperproxy.Sip;
using Hyperproxy.Tests.Shared;
using Hyperproxy.Transport;
using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// RFC 3263 next hops through a real DNS server (dnsmasq on loopback): <c>$du = "sip:callee.test"</c> (no port, no
/// transport) finds <c>_sip._udp.callee.test</c> SRV — 127.0.0.2:5070 at priority 10, 127.0.0.3:5072 at 20 — and tm
/// fails over from the first target to the second on a 503 or no reply (§4.3); forward() takes the same first target;
/// a name DNS does not know, or a DNS server that does not answer, gets 476 from tm.
/// </summary>
public sealed class TmSrvFailoverTests : IDisposable
{
    private static readonly NetAddress Second = NetAddress.FromIPv4(127, 0, 0, 3, 5072);

    private readonly DnsmasqServer _dns = DnsmasqServer.Start(30,
    [
        "--srv-host=_sip._udp.callee.test,a.callee.test,5070,10,10",
        "--srv-host=_sip._udp.callee.test,b.callee.test,5072,20,10",
        "--host-record=a.callee.test,127.0.0.2",
        "--host-record=b.callee.test,127.0.0.3",
    ]);

    public void Dispose() => _dns.Dispose();

    private NextHopResolver Resolver(DnsClient? client = null) =>
        new(new SipLocator(client ?? _dns.Client(), tryNaptr: true, tryIpv6: false, p => p == TransportProtocol.Udp));

    private TmHarness Start(string du = "sip:callee.test", string flags = "", string globals = "", DnsClient? client = null)
    {
        var tm = new TmHarness(globals + Head + $"route {{\n  $du = \"{du}\";\n  if (!t_relay({flags})) {{ exit; }}\n}}\n", resolver: Resolver(client));
        return tm;
    }

    /// <summary>The first INVITE finds no answer yet (dropped, resolution queued); once resolved, the retransmission is relayed.</summary>
    private static Sent[] SendResolved(TmHarness tm, string host, NextHopMode mode)
    {
        Sent[] first = tm.Send(Invite());
        if (first.Length > 0)
        {
            return first;
        }

        Assert.True(tm.Resolver.WaitFor(host, TimeSpan.FromSeconds(15), mode));
        return tm.Send(Invite());
    }

    [Fact]
    public void TheFirstRequestWaitsForDnsAndItsRetransmissionGoesToTheFirstSrvTarget()
    {
        using var tm = Start();
        Assert.Empty(tm.Send(Invite())); // pending: dropped, counted
        Assert.True(tm.Resolver.WaitFor("callee.test", TimeSpan.FromSeconds(15), NextHopMode.AnySip));
        Sent[] sent = tm.Send(Invite());
        Assert.Single(sent, s => s.Destination == Uas1 && s.StartLine.StartsWith("INVITE", StringComparison.Ordinal));
    }

    [Fact]
    public void AfterTNewtranTheRetransmissionOfAPendingNonInviteIsRelayedToo()
    {
        // (an INVITE's t_newtran has sent 100 Trying already, which stops the caller's retransmissions)
        using var tm = new TmHarness(Head + "route {\n  t_newtran();\n  $du = \"sip:callee.test\";\n  t_relay();\n}\n", resolver: Resolver());
        string message = Request("MESSAGE", "z9hG4bK-m1");
        Assert.Empty(tm.Send(message));
        Assert.True(tm.Resolver.WaitFor("callee.test", TimeSpan.FromSeconds(15), NextHopMode.AnySip));
        Assert.Single(tm.Send(message), s => s.Destination == Uas1 && s.StartLine.StartsWith("MESSAGE", StringComparison.Ordinal));
        Assert.Equal(1, tm.Table.Count);
    }

    [Fact]
    public void A503FromTheFirstSrvTargetSendsTheRequestToTheNextTarget()
    {
        using var tm = Start();
        Sent first = Assert.Single(SendResolved(tm, "callee.test", NextHopMode.AnySip), s => s.Destination == Uas1);
        Sent[] sent = tm.Send(ResponseTo(first, 503, "Service Unavailable"), Uas1);
        Sent second = Assert.Single(sent, s => s.Destination == Second);
        Assert.Equal("INVITE sip:bob@example.com SIP/2.0", second.StartLine);
        Assert.DoesNotContain(sent, s => s.Destination == Uac);
        Assert.Equal(1, tm.Counters.TmDnsFailovers);

        Sent up = Assert.Single(tm.Send(ResponseTo(second, 200, "OK", ";tag=u2"), Second), s => s.Destination == Uac);
        Assert.Equal("SIP/2.0 200 OK", up.StartLine);
    }

    [Fact]
    public void NoReplyFromTheFirstSrvTargetFailsOverAtTimerB()
    {
        using var tm = Start();
        Assert.Single(SendResolved(tm, "callee.test", NextHopMode.AnySip), s => s.Destination == Uas1);
        List<Sent> later = tm.Run(5000);
        Assert.Single(later, s => s.Destination == Second && s.StartLine.StartsWith("INVITE", StringComparison.Ordinal));
        Assert.DoesNotContain(later, s => s.Destination == Uac);
    }

    [Fact]
    public void WhenTheLastSrvTargetFailsTheCallerGetsTheAnswer()
    {
        using var tm = Start();
        Sent first = Assert.Single(SendResolved(tm, "callee.test", NextHopMode.AnySip), s => s.Destination == Uas1);
        Sent second = Assert.Single(tm.Send(ResponseTo(first, 503, "Service Unavailable"), Uas1), s => s.Destination == Second);
        Sent up = Assert.Single(tm.Send(ResponseTo(second, 503, "Service Unavailable", ";tag=u2"), Second), s => s.Destination == Uac);
        Assert.Equal("SIP/2.0 500 Service Unavailable", up.StartLine);
    }

    [Fact]
    public void NoDnsFailoverAndDisableDnsFailoverKeepTheFirstTarget()
    {
        foreach ((string flags, string globals) in ((string, string)[])[("\"no-dns-failover\"", ""), ("", "disable_dns_failover = yes\n")])
        {
            using var tm = Start(flags: flags, globals: globals);
            Sent first = Assert.Single(SendResolved(tm, "callee.test", NextHopMode.AnySip), s => s.Destination == Uas1);
            Sent[] sent = tm.Send(ResponseTo(first, 503, "Service Unavailable"), Uas1);
            Assert.DoesNotContain(sent, s => s.Destination == Second);
            Assert.Equal("SIP/2.0 500 Service Unavailable", Assert.Single(sent, s => s.Destination == Uac).StartLine);
        }
    }

    [Fact]
    public void ATransportInTheUriAsksThatTransportsSrv()
    {
        using var tm = Start(du: "sip:callee.test;transport=udp");
        Assert.Single(SendResolved(tm, "callee.test", NextHopMode.SrvUdp), s => s.Destination == Uas1);
    }

    [Fact]
    public void APortInTheUriAsksForAddressesOnlyAndANameWithoutIsUnresolvable()
    {
        using var tm = Start(du: "sip:callee.test:5070");
        Sent up = Assert.Single(SendResolved(tm, "callee.test", NextHopMode.Address), s => s.Destination == Uac && !s.StartLine.Contains("100"));
        Assert.StartsWith("SIP/2.0 476 ", up.StartLine, StringComparison.Ordinal);
    }

    [Fact]
    public void ANameDnsDoesNotKnowGets476()
    {
        using var tm = Start(du: "sip:nobody.test");
        Sent up = Assert.Single(SendResolved(tm, "nobody.test", NextHopMode.AnySip), s => s.Destination == Uac && !s.StartLine.Contains("100"));
        Assert.Equal("SIP/2.0 476 Unresolvable destination (476/TM)", up.StartLine);
    }

    [Fact]
    public void ADnsServerThatDoesNotAnswerGets476()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var tm = Start(client: new DnsClient([(IPEndPoint)silent.LocalEndPoint!], TimeSpan.FromMilliseconds(100), 1));
        Sent up = Assert.Single(SendResolved(tm, "callee.test", NextHopMode.AnySip), s => s.Destination == Uac && !s.StartLine.Contains("100"));
        Assert.Equal("SIP/2.0 476 Unresolvable destination (476/TM)", up.StartLine);
    }

    [Fact]
    public void StatelessForwardUsesTheSameResolution()
    {
        using var tm = new TmHarness("route {\n  $du = \"sip:callee.test\";\n  forward();\n}\n", resolver: Resolver());
        Sent[] sent = SendResolved(tm, "callee.test", NextHopMode.AnySip);
        Assert.Single(sent, s => s.Destination == Uas1 && s.StartLine.StartsWith("INVITE", StringComparison.Ordinal));
    }

    [Fact]
    public void ForwardingToAResolvedSrvNameAllocatesNothing()
    {
        using var tm = new TmHarness("route {\n  $du = \"sip:callee.test\";\n  forward();\n}\n", resolver: Resolver());
        Assert.Single(SendResolved(tm, "callee.test", NextHopMode.AnySip), s => s.Destination == Uas1);
        byte[] invite = System.Text.Encoding.ASCII.GetBytes(Invite());
        byte[] input = GC.AllocateArray<byte>(65536, pinned: true);
        invite.CopyTo(input, 0);
        long bytes = Hyperproxy.Testing.Allocations.Least(() =>
        {
            for (int i = 0; i < 20000; i++)
            {
                tm.Outgoing.Clear();
                tm.Proxy.Process(input, 0, invite.Length, Uac, 0, tm.Outgoing);
            }
        });
        Assert.Equal(0, bytes);
        Assert.Equal(Uas1, tm.Outgoing.Peer(0));

        long lookups = Hyperproxy.Testing.Allocations.Least(() =>
        {
            for (int i = 0; i < 20000; i++)
            {
                tm.Resolver.Lookup("callee.test"u8, 0, NextHopMode.AnySip, NetAddressFamily.IPv4, i & 1, out _, out _);
            }
        });
        Assert.Equal(0, lookups);
    }

    [Fact]
    public void ForwardToAHostWithoutPortAsksSrv()
    {
        using var tm = new TmHarness("route {\n  forward(\"callee.test\");\n}\n", resolver: Resolver());
        Sent[] sent = SendResolved(tm, "callee.test", NextHopMode.SrvUdp);
        Assert.Single(sent, s => s.Destination == Uas1 && s.StartLine.StartsWith("INVITE", StringComparison.Ordinal));
    }

    [Fact]
    public void TheRequestUriIsResolvedTheSameWay()
    {
        using var tm = new TmHarness("route {\n  $ru = \"sip:bob@callee.test\";\n  forward();\n}\n", resolver: Resolver());
        Sent[] sent = SendResolved(tm, "callee.test", NextHopMode.AnySip);
        Assert.Single(sent, s => s.Destination == Uas1 && s.StartLine == "INVITE sip:bob@callee.test SIP/2.0");
    }
}
