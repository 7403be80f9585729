using System.Net;
using Hyperproxy.Proxy;
using Hyperproxy.Sip;
using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// DNS failover in t_relay (RFC 3263 §4.3): a next hop named by a host that resolves to several addresses is tried on
/// the next address when the first answers 503 or does not answer at all (Timer B); <c>no-dns-failover</c> turns it off.
/// The resolver is the injectable function: callee.example is 127.0.0.2 and 127.0.0.3.
/// </summary>
public sealed class TmDnsFailoverTests
{
    private static IPAddress[] Resolve(string name) => name == "callee.example"
        ? [IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3")]
        : throw new System.Net.Sockets.SocketException(11001);

    private static TmHarness Start(string flags = "")
    {
        var tm = new TmHarness(Head + $"route {{\n  $du = \"sip:callee.example:5070\";\n  t_relay({flags});\n}}\n", resolve: Resolve);
        Assert.True(tm.Resolver.WaitFor("callee.example", TimeSpan.FromSeconds(10)));
        return tm;
    }

    [Fact]
    public void ANameKeepsEveryAddressInTheResolver()
    {
        using var tm = Start();
        Assert.Equal(NextHopResolver.Result.Found, tm.Resolver.Lookup("callee.example"u8, 5070, NetAddressFamily.IPv4, 1, out NetAddress second));
        Assert.Equal(Uas2, second);
        Assert.Equal(NextHopResolver.Result.Unresolvable, tm.Resolver.Lookup("callee.example"u8, 5070, NetAddressFamily.IPv4, 2, out _));
    }

    [Fact]
    public void A503FromTheFirstAddressSendsTheRequestToTheNextAndOnlyTheLastAnswerGoesUp()
    {
        using var tm = Start();
        Sent first = Assert.Single(tm.Send(Invite()), s => s.Destination == Uas1);
        Sent[] sent = tm.Send(ResponseTo(first, 503, "Service Unavailable"), Uas1);
        Assert.Contains(sent, s => s.StartLine == "ACK sip:bob@example.com SIP/2.0" && s.Destination == Uas1);
        Assert.DoesNotContain(sent, s => s.Destination == Uac);
        Sent second = Assert.Single(sent, s => s.Destination == Uas2);
        Assert.Equal("INVITE sip:bob@example.com SIP/2.0", second.StartLine);
        Assert.NotEqual(first.Headers("Via")[0], second.Headers("Via")[0]);
        Assert.Equal(first.Headers("Via")[1], second.Headers("Via")[1]);
        Assert.Equal(1, tm.Counters.TmDnsFailovers);

        Sent up = Assert.Single(tm.Send(ResponseTo(second, 486, "Busy Here", ";tag=u2"), Uas2), s => s.Destination == Uac);
        Assert.Equal("SIP/2.0 486 Busy Here", up.StartLine); // the superseded 503 does not compete
    }

    [Fact]
    public void NoReplyAtAllFromTheFirstAddressFailsOverAtTimerB()
    {
        using var tm = Start();
        Sent first = Assert.Single(tm.Send(Invite()), s => s.Destination == Uas1);
        List<Sent> later = tm.Run(5000);
        Assert.DoesNotContain(later, s => s.Destination == Uac);
        Sent second = Assert.Single(later, s => s.Destination == Uas2);
        Assert.StartsWith("INVITE ", second.StartLine, StringComparison.Ordinal);

        Sent up = Assert.Single(tm.Send(ResponseTo(second, 200, "OK", ";tag=u2"), Uas2));
        Assert.Equal(Uac, up.Destination);
        Assert.Equal("SIP/2.0 200 OK", up.StartLine);
    }

    [Fact]
    public void WhenTheLastAddressFailsTooTheCallerGetsTheAnswer()
    {
        using var tm = Start();
        Sent first = Assert.Single(tm.Send(Invite()), s => s.Destination == Uas1);
        Sent second = Assert.Single(tm.Send(ResponseTo(first, 503, "Service Unavailable"), Uas1), s => s.Destination == Uas2);
        Sent up = Assert.Single(tm.Send(ResponseTo(second, 503, "Service Unavailable", ";tag=u2"), Uas2), s => s.Destination == Uac);
        Assert.Equal("SIP/2.0 500 Service Unavailable", up.StartLine); // 503 is relayed as 500
    }

    [Fact]
    public void NoDnsFailoverKeepsTheTransactionOnTheFirstAddress()
    {
        using var tm = Start("\"no-dns-failover\"");
        Sent first = Assert.Single(tm.Send(Invite()), s => s.Destination == Uas1);
        Sent[] sent = tm.Send(ResponseTo(first, 503, "Service Unavailable"), Uas1);
        Assert.DoesNotContain(sent, s => s.Destination == Uas2 && s.StartLine.StartsWith("INVITE", StringComparison.Ordinal));
        Assert.Equal("SIP/2.0 500 Service Unavailable", Assert.Single(sent, s => s.Destination == Uac).StartLine);
        Assert.Equal(0, tm.Counters.TmDnsFailovers);
    }
}
