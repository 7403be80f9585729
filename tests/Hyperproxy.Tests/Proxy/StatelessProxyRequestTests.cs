using System.Net;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Proxy;

public sealed class StatelessProxyRequestTests : IDisposable
{
    private readonly ProxyHarness _proxy = new(new Dictionary<string, IPAddress[]>
    {
        ["uas.test"] = [IPAddress.Parse("127.0.0.7")],
    });

    public void Dispose() => _proxy.Dispose();

    internal static string Options(string ruri = "sip:127.0.0.1:5060", string via = "SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK-abc;rport",
        string maxForwards = "Max-Forwards: 70\n") =>
        $"OPTIONS {ruri} SIP/2.0\nVia: {via}\n{maxForwards}From: <sip:alice@example.com>;tag=a1\nTo: <{ruri}>\n"
        + "Call-ID: call-1@example.com\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n";

    internal static string Invite(string ruri = "sip:bob@127.0.0.2:5070", string extra = "", string maxForwards = "Max-Forwards: 10\n",
        string branch = "z9hG4bK-inv1", string method = "INVITE", string callId = "inv-1@example.com", int cseq = 7) =>
        $"{method} {ruri} SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch={branch}\n{maxForwards}{extra}"
        + $"From: \"Alice\" <sip:alice@example.com>;tag=f1\nTo: <sip:bob@example.com>\nCall-ID: {callId}\nCSeq: {cseq} {method}\n"
        + "Contact: <sip:alice@127.0.0.9:40000>\nContent-Length: 0\n\n";

    [Fact]
    public void OptionsForUsIsAnswered200WithAllowAndReceivedRport()
    {
        ProxyHarness.Sent reply = Assert.Single(_proxy.Send(Options()));
        Assert.Equal("SIP/2.0 200 OK", reply.StartLine);
        Assert.Equal(ProxyHarness.Uac, reply.Destination); // rport: back to the source port
        Assert.Equal(0, reply.Socket);
        Assert.Equal("SIP/2.0/UDP 10.0.0.1:5062;received=127.0.0.9;branch=z9hG4bK-abc;rport=40000", Assert.Single(reply.Headers("Via")));
        Assert.Contains("OPTIONS", Assert.Single(reply.Headers("Allow")));
        Assert.Equal("path", Assert.Single(reply.Headers("Supported")));
        Assert.Matches("^<sip:127.0.0.1:5060>;tag=[0-9a-f]{16}$", Assert.Single(reply.Headers("To")));
        Assert.Equal("Hyperproxy", Assert.Single(reply.Headers("Server")));
        Assert.Equal("0", Assert.Single(reply.Headers("Content-Length")));
    }

    [Fact]
    public void ReplyWithoutRportGoesToTheViaPort()
    {
        ProxyHarness.Sent reply = Assert.Single(_proxy.Send(Options(via: "SIP/2.0/UDP 127.0.0.9:5062;branch=z9hG4bK-x")));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 9, 5062), reply.Destination);
        // sent-by is the source address and no rport: the Via is left alone.
        Assert.Equal("SIP/2.0/UDP 127.0.0.9:5062;branch=z9hG4bK-x", Assert.Single(reply.Headers("Via")));
    }

    [Fact]
    public void RetransmittedOptionsGetsTheSameToTag()
    {
        string first = Assert.Single(_proxy.Send(Options())).Headers("To")[0];
        string again = Assert.Single(_proxy.Send(Options())).Headers("To")[0];
        string other = Assert.Single(_proxy.Send(Options().Replace("call-1@", "call-2@", StringComparison.Ordinal))).Headers("To")[0];
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void OptionsWithMaxForwardsZeroForUsIsAnswered200()
    {
        ProxyHarness.Sent reply = Assert.Single(_proxy.Send(Options(maxForwards: "Max-Forwards: 0\n")));
        Assert.Equal("SIP/2.0 200 OK", reply.StartLine);
    }

    [Fact]
    public void RequestWithMaxForwardsZeroForOthersIsAnswered483()
    {
        ProxyHarness.Sent reply = Assert.Single(_proxy.Send(Invite(maxForwards: "Max-Forwards: 0\n")));
        Assert.Equal("SIP/2.0 483 Too Many Hops", reply.StartLine);
        Assert.Equal(1, _proxy.Counters.TooManyHops);
    }

    [Theory]
    [InlineData("INVITE", "SIP/2.0 404 Not Found")]
    [InlineData("MESSAGE", "SIP/2.0 404 Not Found")]
    [InlineData("CANCEL", "SIP/2.0 481 Call/Transaction Does Not Exist")]
    [InlineData("REGISTER", "SIP/2.0 501 Not Implemented (no registrar)")]
    public void OtherRequestsForUsAreAnsweredByMethod(string method, string startLine)
    {
        ProxyHarness.Sent reply = Assert.Single(_proxy.Send(Invite(ruri: "sip:127.0.0.1", method: method)));
        Assert.Equal(startLine, reply.StartLine);
    }

    [Fact]
    public void AckForUsIsAbsorbed()
    {
        Assert.Empty(_proxy.Send(Invite(ruri: "sip:127.0.0.1:5060", method: "ACK")));
        Assert.Equal(1, _proxy.Counters.AcksAbsorbed);
    }

    [Fact]
    public void InviteForAnotherHostIsForwardedWithOurViaAndDecrementedMaxForwards()
    {
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(Invite()));
        Assert.Equal("INVITE sip:bob@127.0.0.2:5070 SIP/2.0", fwd.StartLine);
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 2, 5070), fwd.Destination);
        List<string> vias = fwd.Headers("Via");
        Assert.Equal(2, vias.Count);
        Assert.Matches("^SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKhp[0-9a-f]{16}\\.[0-9a-f]{8}$", vias[0]);
        Assert.Equal("SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-inv1", vias[1]);
        Assert.Equal("9", Assert.Single(fwd.Headers("Max-Forwards")));
        Assert.Contains("Max-Forwards:  9\r\n", fwd.Text, StringComparison.Ordinal); // same length, right-aligned
        fwd.Parse(); // still a valid message
        Assert.Equal(1, _proxy.Counters.RequestsForwarded);
    }

    [Fact]
    public void MissingMaxForwardsIsAddedAs70()
    {
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(Invite(maxForwards: "")));
        Assert.Equal("70", Assert.Single(fwd.Headers("Max-Forwards")));
    }

    [Fact]
    public void RetransmissionAndCancelGetTheBranchOfTheInvite()
    {
        string branch = Assert.Single(_proxy.Send(Invite())).Headers("Via")[0];
        string again = Assert.Single(_proxy.Send(Invite())).Headers("Via")[0];
        string cancel = Assert.Single(_proxy.Send(Invite(method: "CANCEL"))).Headers("Via")[0];
        string other = Assert.Single(_proxy.Send(Invite(branch: "z9hG4bK-inv2", cseq: 8))).Headers("Via")[0];
        Assert.Equal(branch, again);
        Assert.Equal(branch, cancel); // RFC 3261 §9.1: the CANCEL follows the INVITE's branch
        Assert.NotEqual(branch, other);
    }

    [Fact]
    public void RequestComingBackUnchangedIsALoop()
    {
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(Invite()));
        // The next hop sends it straight back to us, unchanged but for its own Via on top.
        string back = fwd.Text.Replace("Via: SIP/2.0/UDP 127.0.0.1:5060", "Via: SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bK-p2\r\nVia: SIP/2.0/UDP 127.0.0.1:5060", StringComparison.Ordinal);
        ProxyHarness.Sent reply = Assert.Single(_proxy.Send(back, NetAddress.FromIPv4(127, 0, 0, 2, 5070)));
        Assert.Equal("SIP/2.0 482 Loop Detected", reply.StartLine);
        Assert.Equal(1, _proxy.Counters.LoopsDetected);
    }

    [Fact]
    public void RequestComingBackWithAnotherRequestUriIsASpiralAndPasses()
    {
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(Invite()));
        string back = fwd.Text.Replace("Via: SIP/2.0/UDP 127.0.0.1:5060", "Via: SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bK-p2\r\nVia: SIP/2.0/UDP 127.0.0.1:5060", StringComparison.Ordinal)
            .Replace("INVITE sip:bob@127.0.0.2:5070", "INVITE sip:bob@127.0.0.3:5070", StringComparison.Ordinal);
        ProxyHarness.Sent again = Assert.Single(_proxy.Send(back, NetAddress.FromIPv4(127, 0, 0, 2, 5070)));
        Assert.StartsWith("INVITE sip:bob@127.0.0.3:5070", again.Text, StringComparison.Ordinal);
        Assert.Equal(4, again.Headers("Via").Count);
    }

    [Fact]
    public void InDialogRequestPassingUsTwiceWithAShorterRouteSetIsASpiral()
    {
        // Edge → registrar → edge: the registrar removed its own Route and sent it back; same Request-URI.
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(Invite(extra: "Route: <sip:127.0.0.1;lr>, <sip:127.0.0.2:5070;lr>\n")));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 2, 5070), fwd.Destination);
        string back = fwd.Text.Replace("Via: SIP/2.0/UDP 127.0.0.1:5060", "Via: SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bK-reg\r\nVia: SIP/2.0/UDP 127.0.0.1:5060", StringComparison.Ordinal)
            .Replace("Route: <sip:127.0.0.2:5070;lr>", "Route: <sip:127.0.0.1;lr>", StringComparison.Ordinal);
        ProxyHarness.Sent again = Assert.Single(_proxy.Send(back, NetAddress.FromIPv4(127, 0, 0, 2, 5070)));
        Assert.StartsWith("INVITE sip:bob@127.0.0.2:5070", again.Text, StringComparison.Ordinal);
        Assert.Equal(0, _proxy.Counters.LoopsDetected);

        // The same request with the same Route set once more is a loop.
        string looped = again.Text.Replace("Via: SIP/2.0/UDP 127.0.0.1:5060", "Via: SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bK-reg2\r\nVia: SIP/2.0/UDP 127.0.0.1:5060", StringComparison.Ordinal)
            .Replace("Content-Length", "Route: <sip:127.0.0.1;lr>\r\nContent-Length", StringComparison.Ordinal);
        Assert.Equal("SIP/2.0 482 Loop Detected", Assert.Single(_proxy.Send(looped, NetAddress.FromIPv4(127, 0, 0, 2, 5070))).StartLine);
    }

    [Fact]
    public void OwnTopRouteIsRemovedAndNextRouteIsTheNextHop()
    {
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(Invite(ruri: "sip:bob@example.com",
            extra: "Route: <sip:127.0.0.1;lr>, <sip:127.0.0.4:5080;lr>\nRoute: <sip:127.0.0.5;lr>\n")));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 4, 5080), fwd.Destination);
        Assert.Equal(["<sip:127.0.0.4:5080;lr>", "<sip:127.0.0.5;lr>"], fwd.Headers("Route"));
        Assert.StartsWith("INVITE sip:bob@example.com SIP/2.0", fwd.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void OwnOnlyRouteLineIsRemovedWhole()
    {
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(Invite(extra: "Route: <sip:127.0.0.1:5060;lr>\n")));
        Assert.Empty(fwd.Headers("Route"));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 2, 5070), fwd.Destination);
    }

    [Fact]
    public void ForeignTopRouteIsTheNextHopAndStays()
    {
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(Invite(extra: "Route: <sip:127.0.0.6:5090;lr>\n")));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 6, 5090), fwd.Destination);
        Assert.Equal(["<sip:127.0.0.6:5090;lr>"], fwd.Headers("Route"));
    }

    [Fact]
    public void HostNameIsResolvedWithoutBlockingAndTheRetransmissionIsForwarded()
    {
        Assert.Empty(_proxy.Send(Invite(ruri: "sip:bob@uas.test:5072")));
        Assert.Equal(1, _proxy.Counters.UnresolvedDrops);
        Assert.True(_proxy.Resolver.WaitFor("uas.test", TimeSpan.FromSeconds(10)));
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(Invite(ruri: "sip:bob@uas.test:5072")));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 7, 5072), fwd.Destination);
    }

    [Fact]
    public void UnresolvableHostIsAnswered478()
    {
        Assert.Empty(_proxy.Send(Invite(ruri: "sip:bob@nowhere.test")));
        Assert.True(_proxy.Resolver.WaitFor("nowhere.test", TimeSpan.FromSeconds(10)));
        Assert.Equal("SIP/2.0 478 Unresolvable Destination", Assert.Single(_proxy.Send(Invite(ruri: "sip:bob@nowhere.test"))).StartLine);
    }

    [Theory]
    [InlineData("sips:bob@127.0.0.2", "SIP/2.0 416 Unsupported URI Scheme")]
    [InlineData("sip:bob@127.0.0.2;transport=tcp", "SIP/2.0 503 Transport Not Supported")]
    [InlineData("sip:bob@255.255.255.255", "SIP/2.0 403 Destination Not Unicast")]
    [InlineData("sip:bob@224.0.1.75", "SIP/2.0 403 Destination Not Unicast")]
    [InlineData("sip:bob@[ff02::1]", "SIP/2.0 403 Destination Not Unicast")]
    [InlineData("sip:bob@0.0.0.0", "SIP/2.0 403 Destination Not Unicast")]
    public void UnsupportedDestinationsAreRefused(string ruri, string startLine)
    {
        Assert.Equal(startLine, Assert.Single(_proxy.Send(Invite(ruri: ruri))).StartLine);
    }

    [Fact]
    public void MaddrInTheRequestUriIsTheDestination()
    {
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(Invite(ruri: "sip:bob@example.com:5071;maddr=127.0.0.8")));
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 8, 5071), fwd.Destination);
    }

    [Fact]
    public void IPv6RequestIsForwardedFromTheIPv6SocketWithUnbracketedReceived()
    {
        var source = NetAddress.IPv6Loopback(40002);
        string invite = Invite(ruri: "sip:bob@[::1]:5070").Replace("Via: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-inv1",
            "Via: SIP/2.0/UDP [2001:db8::9]:40002;branch=z9hG4bK-inv6;rport", StringComparison.Ordinal);
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(invite, source, socket: 1));
        Assert.Equal(NetAddress.IPv6Loopback(5070), fwd.Destination);
        Assert.Equal(1, fwd.Socket);
        List<string> vias = fwd.Headers("Via");
        Assert.StartsWith("SIP/2.0/UDP [::1]:5060;branch=z9hG4bKhp", vias[0], StringComparison.Ordinal);
        Assert.Equal("SIP/2.0/UDP [2001:db8::9]:40002;received=::1;branch=z9hG4bK-inv6;rport=40002", vias[1]);
    }

    [Fact]
    public void IPv4DestinationFromTheIPv6SocketLeavesFromTheIPv4Socket()
    {
        var source = NetAddress.IPv6Loopback(40002);
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(Invite(), source, socket: 1));
        Assert.Equal(0, fwd.Socket);
        Assert.StartsWith("SIP/2.0/UDP 127.0.0.1:5060;branch=", fwd.Headers("Via")[0], StringComparison.Ordinal);
    }

    [Fact]
    public void AliasIsUs()
    {
        using var proxy = new ProxyHarness(aliases: ["sip.example.com"]);
        Assert.Equal("SIP/2.0 200 OK", Assert.Single(proxy.Send(Options(ruri: "sip:sip.example.com"))).StartLine);
    }
}
