using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Proxy;

public sealed class StatelessProxyResponseTests : IDisposable
{
    private static readonly NetAddress Uas = NetAddress.FromIPv4(127, 0, 0, 2, 5070);
    private readonly ProxyHarness _proxy = new();

    public void Dispose() => _proxy.Dispose();

    /// <summary>Forwards an INVITE and builds the UAS's response from what arrived.</summary>
    private string ResponseTo(string invite, int status, string reason)
    {
        ProxyHarness.Sent fwd = Assert.Single(_proxy.Send(invite));
        string vias = string.Join("", fwd.Headers("Via").Select(v => "Via: " + v + "\r\n"));
        return $"SIP/2.0 {status} {reason}\r\n{vias}From: \"Alice\" <sip:alice@example.com>;tag=f1\r\n"
            + "To: <sip:bob@example.com>;tag=b2\r\nCall-ID: inv-1@example.com\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n";
    }

    [Fact]
    public void ResponseLosesOurViaAndGoesToTheNextVia()
    {
        string response = ResponseTo(StatelessProxyRequestTests.Invite(), 180, "Ringing");
        ProxyHarness.Sent relayed = Assert.Single(_proxy.Send(response, Uas));
        Assert.Equal("SIP/2.0 180 Ringing", relayed.StartLine);
        Assert.Equal(["SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-inv1"], relayed.Headers("Via"));
        Assert.Equal(ProxyHarness.Uac, relayed.Destination);
        Assert.Equal(1, _proxy.Counters.RepliesForwarded);
    }

    [Fact]
    public void ResponseHonoursReceivedAndRport()
    {
        string invite = StatelessProxyRequestTests.Invite().Replace("127.0.0.9:40000;branch=z9hG4bK-inv1",
            "10.1.2.3:5060;branch=z9hG4bK-inv1;rport", StringComparison.Ordinal);
        string response = ResponseTo(invite, 200, "OK");
        ProxyHarness.Sent relayed = Assert.Single(_proxy.Send(response, Uas));
        Assert.Equal(ProxyHarness.Uac, relayed.Destination); // received=127.0.0.9, rport=40000
    }

    [Fact]
    public void ResponseHonoursMaddrThenSentByPort()
    {
        string response = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKhp1\r\n"
            + "Via: SIP/2.0/UDP example.com:5099;maddr=127.0.0.33;branch=z9hG4bK-m\r\n"
            + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: m@x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 33, 5099), Assert.Single(_proxy.Send(response, Uas)).Destination);
    }

    [Fact]
    public void ResponseToABroadcastViaIsNotRelayed()
    {
        // RFC 4475 3.1.2.18 (bcast): a broadcast address in the next Via must not be used.
        string response = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKhp1\r\n"
            + "Via: SIP/2.0/UDP 192.0.2.198;maddr=255.255.255.255;branch=z9hG4bK-b\r\n"
            + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: b@x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        Assert.Empty(_proxy.Send(response, Uas));
    }

    [Fact]
    public void Relayed503BecomesA500()
    {
        string response = ResponseTo(StatelessProxyRequestTests.Invite(), 503, "Service Unavailable");
        Assert.Equal("SIP/2.0 500 Service Unavailable", Assert.Single(_proxy.Send(response, Uas)).StartLine);
    }

    [Fact]
    public void ResponseWhoseTopViaIsNotOursIsDropped()
    {
        string response = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.50:5060;branch=z9hG4bK-o\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-x\r\n"
            + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: m@x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        Assert.Empty(_proxy.Send(response, Uas));
        Assert.Equal(1, _proxy.Counters.RepliesNotForUs);
    }

    [Fact]
    public void ResponseWithOnlyOurViaIsDropped()
    {
        string response = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKhp1\r\n"
            + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: m@x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        Assert.Empty(_proxy.Send(response, Uas));
        Assert.Equal(1, _proxy.Counters.RepliesWithoutNextVia);
    }

    [Fact]
    public void CommaJoinedViasLoseOnlyOurElement()
    {
        string response = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKhp1, SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-c\r\n"
            + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: m@x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        ProxyHarness.Sent relayed = Assert.Single(_proxy.Send(response, Uas));
        Assert.Equal(["SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-c"], relayed.Headers("Via"));
        Assert.Equal(ProxyHarness.Uac, relayed.Destination);
    }
}
