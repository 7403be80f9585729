using System.Net;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// Stateless forwarding seen on the wire, with test sockets as UAC and UAS: our Via and its branch,
/// received/rport on the previous Via, Max-Forwards, retransmissions, responses routed back by
/// Via, 503 relayed as 500, Route handling, names resolved through the system resolver.
/// </summary>
public sealed class ForwardingTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private IPEndPoint Proxy(UdpPeer from) => new(from.LocalEndPoint.Address, fixture.Port);

    private string ProxySentBy(UdpPeer from) =>
        from.LocalEndPoint.Address.Equals(IPAddress.IPv6Loopback) ? $"[::1]:{fixture.Port}" : $"127.0.0.1:{fixture.Port}";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ForwardedRequestCarriesOurViaOnTopAndStampsThePreviousOne(bool ipv6)
    {
        using UdpPeer uac = ipv6 ? UdpPeer.V6() : UdpPeer.V4();
        using UdpPeer uas = ipv6 ? UdpPeer.V6() : UdpPeer.V4();
        string request = SipText.Request("INVITE", $"sip:bob@{uas.SentBy}", uac, SipText.NewBranch(), SipText.NewCallId());

        uac.Send(request, Proxy(uac));
        string forwarded = await uas.ExpectAsync("the forwarded INVITE");

        Assert.StartsWith($"INVITE sip:bob@{uas.SentBy} SIP/2.0", forwarded, StringComparison.Ordinal);
        List<string> vias = SipText.Headers(forwarded, "Via");
        Assert.Equal(2, vias.Count);
        Assert.StartsWith($"SIP/2.0/UDP {ProxySentBy(uac)};branch=z9hG4bKhp", vias[0], StringComparison.Ordinal);
        Assert.Equal(uac.LocalEndPoint.Address.ToString(), SipText.Param(vias[1], "received"));
        Assert.Equal(uac.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), SipText.Param(vias[1], "rport"));
        Assert.Equal("69", SipText.Header(forwarded, "Max-Forwards"));
        Assert.Equal(SipText.Header(request, "Call-ID"), SipText.Header(forwarded, "Call-ID"));
        Assert.Equal(SipText.Header(request, "CSeq"), SipText.Header(forwarded, "CSeq"));
    }

    [Fact]
    public async Task RetransmissionIsForwardedWithTheSameBranchAndADifferentRequestWithAnother()
    {
        using var uac = UdpPeer.V4();
        using var uas = UdpPeer.V4();
        string request = SipText.Request("INVITE", $"sip:bob@{uas.SentBy}", uac, SipText.NewBranch(), SipText.NewCallId());
        string other = SipText.Request("INVITE", $"sip:bob@{uas.SentBy}", uac, SipText.NewBranch(), SipText.NewCallId());

        uac.Send(request, Proxy(uac));
        string first = await uas.ExpectAsync("the INVITE");
        uac.Send(request, Proxy(uac));
        string again = await uas.ExpectAsync("the retransmitted INVITE");
        uac.Send(other, Proxy(uac));
        string third = await uas.ExpectAsync("another INVITE");

        string branch = SipText.Param(SipText.Headers(first, "Via")[0], "branch")!;
        Assert.StartsWith("z9hG4bKhp", branch, StringComparison.Ordinal);
        Assert.Equal(branch, SipText.Param(SipText.Headers(again, "Via")[0], "branch"));
        Assert.NotEqual(branch, SipText.Param(SipText.Headers(third, "Via")[0], "branch"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ResponsesFromTheUasReachTheUacWithoutOurVia(bool ipv6)
    {
        using UdpPeer uac = ipv6 ? UdpPeer.V6() : UdpPeer.V4();
        using UdpPeer uas = ipv6 ? UdpPeer.V6() : UdpPeer.V4();
        string request = SipText.Request("INVITE", $"sip:bob@{uas.SentBy}", uac, SipText.NewBranch(), SipText.NewCallId());
        uac.Send(request, Proxy(uac));
        (string Text, IPEndPoint From)? forwarded = await uas.ReceiveAsync(UdpPeer.DefaultWait);
        Assert.True(forwarded is not null, "the INVITE was not forwarded");

        uas.Send(SipText.ResponseTo(forwarded.Value.Text, 180, "Ringing"), forwarded.Value.From);
        uas.Send(SipText.ResponseTo(forwarded.Value.Text, 200, "OK"), forwarded.Value.From);
        string ringing = await uac.ExpectAsync("the 180");
        string ok = await uac.ExpectAsync("the 200");

        Assert.Equal(180, SipText.StatusCode(ringing));
        Assert.Equal(200, SipText.StatusCode(ok));
        List<string> vias = SipText.Headers(ok, "Via");
        Assert.Single(vias);
        Assert.StartsWith($"SIP/2.0/UDP {uac.SentBy};", vias[0], StringComparison.Ordinal);
        Assert.Equal(SipText.Param(SipText.Header(request, "Via"), "branch"), SipText.Param(vias[0], "branch"));
        Assert.Equal(uac.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), SipText.Param(vias[0], "rport"));
        Assert.Equal(SipText.Header(request, "Call-ID"), SipText.Header(ok, "Call-ID"));
        Assert.Contains(";tag=uas1", SipText.Header(ok, "To"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceUnavailableFromTheUasIsRelayedAs500()
    {
        using var uac = UdpPeer.V4();
        using var uas = UdpPeer.V4();
        uac.Send(SipText.Request("INVITE", $"sip:bob@{uas.SentBy}", uac, SipText.NewBranch(), SipText.NewCallId()), Proxy(uac));
        (string Text, IPEndPoint From)? forwarded = await uas.ReceiveAsync(UdpPeer.DefaultWait);
        Assert.True(forwarded is not null, "the INVITE was not forwarded");

        uas.Send(SipText.ResponseTo(forwarded.Value.Text, 503, "Service Unavailable"), forwarded.Value.From);
        string reply = await uac.ExpectAsync("the relayed 503");

        Assert.Equal(500, SipText.StatusCode(reply));
    }

    [Fact]
    public async Task RequestWithoutMaxForwardsIsForwardedWith70()
    {
        using var uac = UdpPeer.V4();
        using var uas = UdpPeer.V4();

        uac.Send(SipText.Request("MESSAGE", $"sip:bob@{uas.SentBy}", uac, SipText.NewBranch(), SipText.NewCallId(), body: "hi", maxForwards: false), Proxy(uac));
        string forwarded = await uas.ExpectAsync("the forwarded MESSAGE");

        Assert.Equal("70", SipText.Header(forwarded, "Max-Forwards"));
        Assert.EndsWith("\r\n\r\nhi", forwarded, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxForwardsZeroForAnotherHostGets483AndIsNotForwarded()
    {
        using var uac = UdpPeer.V4();
        using var uas = UdpPeer.V4();
        string request = SipText.Request("OPTIONS", $"sip:bob@{uas.SentBy}", uac, SipText.NewBranch(), SipText.NewCallId())
            .Replace("Max-Forwards: 70", "Max-Forwards: 0", StringComparison.Ordinal);

        uac.Send(request, Proxy(uac));
        string reply = await uac.ExpectAsync("the 483");

        Assert.Equal(483, SipText.StatusCode(reply));
        await uas.ExpectSilenceAsync(TimeSpan.FromMilliseconds(200), "a request out of hops is not forwarded");
    }

    [Fact]
    public async Task OurOwnTopRouteIsRemovedAndTheRequestGoesToTheRequestUri()
    {
        using var uac = UdpPeer.V4();
        using var uas = UdpPeer.V4();
        string route = $"Route: <sip:127.0.0.1:{fixture.Port};lr>\r\n";

        uac.Send(SipText.Request("BYE", $"sip:bob@{uas.SentBy}", uac, SipText.NewBranch(), SipText.NewCallId(), extraHeaders: route), Proxy(uac));
        string forwarded = await uas.ExpectAsync("the forwarded BYE");

        Assert.Empty(SipText.Headers(forwarded, "Route"));
    }

    [Fact]
    public async Task ForeignTopRouteIsKeptAndTheRequestGoesThere()
    {
        using var uac = UdpPeer.V4();
        using var next = UdpPeer.V4();
        string route = $"Route: <sip:{next.SentBy};lr>\r\n";

        uac.Send(SipText.Request("BYE", "sip:bob@127.0.0.1:9", uac, SipText.NewBranch(), SipText.NewCallId(), extraHeaders: route), Proxy(uac));
        string forwarded = await next.ExpectAsync("the BYE at the Route's host");

        Assert.StartsWith("BYE sip:bob@127.0.0.1:9 SIP/2.0", forwarded, StringComparison.Ordinal);
        Assert.Equal($"<sip:{next.SentBy};lr>", SipText.Header(forwarded, "Route"));
    }

    [Fact]
    public async Task RequestUriNamingLocalhostIsForwardedOnceTheNameIsResolved()
    {
        using var uac = UdpPeer.V4();
        using var uas = UdpPeer.V4();
        string request = SipText.Request("OPTIONS", $"sip:bob@localhost:{uas.Port}", uac, SipText.NewBranch(), SipText.NewCallId());

        // The first copy may be dropped while the resolver works; retransmit like a UAC would (bounded).
        string? forwarded = null;
        for (int attempt = 0; attempt < 10 && forwarded is null; attempt++)
        {
            uac.Send(request, Proxy(uac));
            forwarded = (await uas.ReceiveAsync(TimeSpan.FromMilliseconds(500)))?.Text;
        }

        Assert.NotNull(forwarded);
        Assert.StartsWith($"OPTIONS sip:bob@localhost:{uas.Port} SIP/2.0", forwarded, StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0/UDP 127.0.0.1:", SipText.Headers(forwarded, "Via")[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("INVITE", 404)]
    [InlineData("MESSAGE", 404)]
    [InlineData("REGISTER", 501)]
    [InlineData("CANCEL", 481)]
    public async Task RequestsToTheProxyItselfGetItsLocalReplies(string method, int status)
    {
        using var uac = UdpPeer.V4();
        string request = SipText.Request(method, $"sip:127.0.0.1:{fixture.Port}", uac, SipText.NewBranch(), SipText.NewCallId());

        uac.Send(request, Proxy(uac));
        string reply = await uac.ExpectAsync($"the {status}");

        Assert.Equal(status, SipText.StatusCode(reply));
        Assert.Contains(";tag=", SipText.Header(reply, "To"), StringComparison.Ordinal);
        Assert.Equal(SipText.Header(request, "CSeq"), SipText.Header(reply, "CSeq"));
    }

    [Fact]
    public async Task AckToTheProxyItselfIsAbsorbed()
    {
        using var uac = UdpPeer.V4();

        uac.Send(SipText.Request("ACK", $"sip:127.0.0.1:{fixture.Port}", uac, SipText.NewBranch(), SipText.NewCallId()), Proxy(uac));

        await uac.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300), "an ACK is never answered");
    }

    [Fact]
    public async Task OptionsWithMaxForwardsZeroToTheProxyGets200()
    {
        using var uac = UdpPeer.V6();
        string request = SipText.Options($"sip:[::1]:{fixture.Port}", uac).Replace("Max-Forwards: 70", "Max-Forwards: 0", StringComparison.Ordinal);

        uac.Send(request, Proxy(uac));
        string reply = await uac.ExpectAsync("the 200");

        Assert.Equal(200, SipText.StatusCode(reply));
        Assert.Contains("OPTIONS", SipText.Header(reply, "Allow"), StringComparison.Ordinal);
        Assert.Equal("::1", SipText.Param(SipText.Header(reply, "Via"), "received"));
    }
}
