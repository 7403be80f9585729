using System.Text;
using Hyperproxy.Sak.Bench;
using Hyperproxy.Sip;

namespace Hyperproxy.Sak.Tests;

public sealed class CallBenchTests
{
    private const string Invite =
        "INVITE sip:u7@10.0.0.9:5070 SIP/2.0\r\n" +
        "Record-Route: <sip:p2.example.com;lr>\r\n" +
        "Record-Route: <sip:p1.example.com;lr>\r\n" +
        "Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2\r\n" +
        "Via: SIP/2.0/UDP 10.0.0.1:4000;branch=z9hG4bK-hs00000000000000ff;rport=4000\r\n" +
        "From: <sip:hscaller@10.0.0.1:4000>;tag=hs00000000000000ff\r\n" +
        "To: <sip:u7@10.0.0.9:5070>\r\n" +
        "Call-ID: hscall-00000000000000ff-0@hypersak\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Max-Forwards: 68\r\n" +
        "Content-Length: 0\r\n\r\n";

    private static string Ok(string rr1, string rr2) =>
        "SIP/2.0 200 OK\r\n" +
        "Via: SIP/2.0/UDP 10.0.0.1:4000;branch=z9hG4bK-hs00000000000000ff;rport=4000\r\n" +
        "Record-Route: " + rr1 + "\r\n" +
        "Record-Route: " + rr2 + "\r\n" +
        "From: <sip:hscaller@10.0.0.1:4000>;tag=hs00000000000000ff\r\n" +
        "To: <sip:u7@10.0.0.9:5070>;tag=hscallee\r\n" +
        "Call-ID: hscall-00000000000000ff-0@hypersak\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Contact: <sip:hscallee@10.0.0.9:5070>\r\n" +
        "Content-Length: 0\r\n\r\n";

    private static SipMessage Parse(string text)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        var m = new SipMessage();
        Assert.Equal(SipError.None, m.Parse(bytes, 0, bytes.Length));
        return m;
    }

    private static CallWriter Writer() => new("10.0.0.1:4000", "10.0.0.9:5070", "v=0\r\n");

    [Fact]
    public void CalleeAnswerCopiesViasRecordRouteAndTagsTheTo()
    {
        byte[] slot = new byte[2048];
        int n = Writer().WriteAnswer(slot, Parse(Invite), "200 OK"u8, dialog: true, sdp: true);
        string text = Encoding.ASCII.GetString(slot, 0, n);
        Assert.StartsWith("SIP/2.0 200 OK\r\nRecord-Route: <sip:p2.example.com;lr>\r\nRecord-Route: <sip:p1.example.com;lr>\r\nVia: SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2\r\nVia: SIP/2.0/UDP 10.0.0.1:4000", text, StringComparison.Ordinal);
        Assert.Contains("To: <sip:u7@10.0.0.9:5070>;tag=hscallee\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Contact: <sip:hscallee@10.0.0.9:5070>\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n", text, StringComparison.Ordinal);
        Assert.Equal(SipError.None, Parse(text).Error);
    }

    [Fact]
    public void ByeFollowsTheReversedRecordRouteToTheContact()
    {
        byte[] slot = new byte[2048];
        SipMessage ok = Parse(Ok("<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"));
        string bye = Encoding.ASCII.GetString(slot, 0, Writer().WriteInDialog(slot, ok, 0xff, bye: true));
        Assert.StartsWith("BYE sip:hscallee@10.0.0.9:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:4000;branch=z9hG4bK-hb00000000000000ff;rport\r\n"
            + "Route: <sip:p1.example.com;lr>\r\nRoute: <sip:p2.example.com;lr>\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("To: <sip:u7@10.0.0.9:5070>;tag=hscallee\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("CSeq: 2 BYE\r\n", bye, StringComparison.Ordinal);
        Assert.Equal(CallLeg.Bye, CallWriter.Classify(Encoding.ASCII.GetBytes(bye), out ulong seq));
        Assert.Equal(0xffUL, seq);
        string ack = Encoding.ASCII.GetString(slot, 0, Writer().WriteInDialog(slot, ok, 0xff, bye: false));
        Assert.StartsWith("ACK sip:hscallee@10.0.0.9:5070 SIP/2.0\r\n", ack, StringComparison.Ordinal);
        Assert.Contains("CSeq: 1 ACK\r\n", ack, StringComparison.Ordinal);
    }

    [Fact]
    public void StrictRouterFirstIsTheRequestUriAndTheContactTheLastRoute()
    {
        byte[] slot = new byte[2048];
        SipMessage ok = Parse(Ok("<sip:p2.example.com;lr>", "<sip:p1.example.com>"));
        string bye = Encoding.ASCII.GetString(slot, 0, Writer().WriteInDialog(slot, ok, 1, bye: true));
        Assert.StartsWith("BYE sip:p1.example.com SIP/2.0\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("Route: <sip:p2.example.com;lr>\r\nRoute: <sip:hscallee@10.0.0.9:5070>\r\n", bye, StringComparison.Ordinal);
        Assert.DoesNotContain("Route: <sip:p1.example.com>", bye, StringComparison.Ordinal);
    }

    [Fact]
    public void InviteTemplateCarriesTheCallNumberInBranchTagAndCallId()
    {
        RequestTemplate t = RequestTemplate.Invite("10.0.0.9:5070", "10.0.0.1:4000", "0-1@hypersak", 3, "v=0\r\n");
        byte[] slot = new byte[2048];
        string text = Encoding.ASCII.GetString(slot, 0, t.Write(slot, 0x2a, 1, 7));
        Assert.StartsWith("INVITE sip:u007@10.0.0.9:5070 SIP/2.0\r\n", text, StringComparison.Ordinal);
        Assert.Contains("branch=z9hG4bK-hs000000000000002a;rport", text, StringComparison.Ordinal);
        Assert.Contains("tag=hs000000000000002a", text, StringComparison.Ordinal);
        Assert.Contains("Call-ID: hscall-000000000000002a-0-1@hypersak", text, StringComparison.Ordinal);
        Assert.EndsWith("Content-Length: 5\r\n\r\nv=0\r\n", text, StringComparison.Ordinal);
        Assert.Equal(CallLeg.Invite, CallWriter.Classify(slot.AsSpan(0, text.Length), out ulong seq));
        Assert.Equal(0x2aUL, seq);
    }

    [Fact]
    public void TheCallHotPathAllocatesNothing()
    {
        CallWriter writer = Writer();
        RequestTemplate t = RequestTemplate.Invite("10.0.0.9:5070", "10.0.0.1:4000", "0-1@hypersak", 3, "v=0\r\n");
        byte[] invite = Encoding.ASCII.GetBytes(Invite);
        byte[] ok = Encoding.ASCII.GetBytes(Ok("<sip:p2.example.com;lr>", "<sip:p1.example.com>"));
        var message = new SipMessage();
        byte[] slot = new byte[2048];
        void Once(int i)
        {
            t.Write(slot, (ulong)i, 1, i % 1000);
            message.Parse(invite, 0, invite.Length);
            writer.WriteAnswer(slot, message, "180 Ringing"u8, dialog: true, sdp: false);
            writer.WriteAnswer(slot, message, "200 OK"u8, dialog: true, sdp: true);
            message.Parse(ok, 0, ok.Length);
            writer.WriteInDialog(slot, message, (ulong)i, bye: false);
            writer.WriteInDialog(slot, message, (ulong)i, bye: true);
            CallWriter.Classify(ok, out _);
        }
        Once(0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1; i < 10_000; i++)
            Once(i);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void ANon2xxIsAckedWithTheInvitesRequestUriAndBranch()
    {
        var writer = new CallWriter("10.0.0.1:4000", "10.0.0.9:5070", "v=0\r\n", "10.0.0.5:5060", 3);
        SipMessage answer = Parse(
            "SIP/2.0 404 Not Found\r\nVia: SIP/2.0/UDP 10.0.0.1:4000;branch=z9hG4bK-hs0000000000000007;rport=4000\r\n" +
            "From: <sip:hscaller@10.0.0.1:4000>;tag=hs0000000000000007\r\nTo: <sip:u042@10.0.0.5:5060>;tag=x1\r\n" +
            "Call-ID: hscall-0000000000000007-0@hypersak\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
        byte[] slot = new byte[2048];
        string ack = Encoding.ASCII.GetString(slot, 0, writer.WriteFailureAck(slot, answer, 7, 42));
        Assert.StartsWith("ACK sip:u042@10.0.0.5:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:4000;branch=z9hG4bK-hs0000000000000007;rport\r\n", ack, StringComparison.Ordinal);
        Assert.Contains("To: <sip:u042@10.0.0.5:5060>;tag=x1\r\n", ack, StringComparison.Ordinal);
        Assert.Contains("CSeq: 1 ACK\r\n", ack, StringComparison.Ordinal);
        Assert.Equal(SipError.None, Parse(ack).Error);
    }

    [Fact]
    public void TheHopCacheResolvesARouteOnceAndThenAllocatesNothing()
    {
        var hops = new HopCache();
        byte[] loose = Encoding.ASCII.GetBytes("sip:127.0.0.1:5072;lr");
        byte[] v6 = Encoding.ASCII.GetBytes("sip:hscallee@[::1]:5080");
        Assert.True(hops.TryGet(loose, out Hyperproxy.Sip.NetAddress a));
        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5072), a.ToIPEndPoint());
        Assert.True(hops.TryGet(v6, out Hyperproxy.Sip.NetAddress b));
        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Loopback, 5080), b.ToIPEndPoint());
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            hops.TryGet(loose, out _);
            hops.TryGet(v6, out _);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
