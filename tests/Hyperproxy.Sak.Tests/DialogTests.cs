using System.Text;
using Hyperproxy.Sak.Ua;

namespace Hyperproxy.Sak.Tests;

public sealed class DialogTests
{
    private static SipRequest Invite() => new()
    {
        Method = "INVITE",
        RequestUri = "sip:bob@example.com",
        To = "sip:bob@example.com",
        From = "sip:alice@example.org",
        FromTag = "a1",
        CallId = "call-1@example.org",
        CSeq = 7,
    };

    private static SipReply Ok(params string[] recordRoutes)
    {
        var b = new StringBuilder("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n");
        foreach (string rr in recordRoutes)
            b.Append("Record-Route: ").Append(rr).Append("\r\n");
        b.Append("From: <sip:alice@example.org>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b2\r\nCall-ID: call-1@example.org\r\n");
        b.Append("CSeq: 7 INVITE\r\nContact: <sip:bob@192.0.2.4:5062;transport=udp>\r\nContent-Length: 0\r\n\r\n");
        return SipReply.TryParse(Encoding.ASCII.GetBytes(b.ToString()), 0)!;
    }

    private static string Text(SipRequest r) => Encoding.ASCII.GetString(r.Build("10.0.0.1:5060", "z9hG4bKx"));

    [Fact]
    public void RouteSetIsTheRecordRouteOfThe2xxReversedAndTheContactIsTheRemoteTarget()
    {
        Dialog d = Dialog.FromSuccess(Invite(), Ok("<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"))!;
        Assert.Equal(["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"], d.RouteSet);
        Assert.Equal("sip:bob@192.0.2.4:5062;transport=udp", d.RemoteTarget);
        Assert.Equal("b2", d.RemoteTag);
        Assert.False(d.FirstRouteIsStrict);
    }

    [Fact]
    public void CommaSeparatedRecordRouteValuesAreReversedOneByOne()
    {
        Dialog d = Dialog.FromSuccess(Invite(), Ok("<sip:p3;lr>, <sip:p2;lr>", "<sip:p1;lr>"))!;
        Assert.Equal(["<sip:p1;lr>", "<sip:p2;lr>", "<sip:p3;lr>"], d.RouteSet);
    }

    [Fact]
    public void LooseRoutedByeGoesToTheRemoteTargetWithTheRouteSetAndTheNextCSeq()
    {
        Dialog d = Dialog.FromSuccess(Invite(), Ok("<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"))!;
        string bye = Text(d.NewRequest("BYE", 70));
        Assert.StartsWith("BYE sip:bob@192.0.2.4:5062;transport=udp SIP/2.0\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("Route: <sip:p1.example.com;lr>\r\nRoute: <sip:p2.example.com;lr>\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("To: <sip:bob@example.com>;tag=b2\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("From: <sip:alice@example.org>;tag=a1\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("Call-ID: call-1@example.org\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("CSeq: 8 BYE\r\n", bye, StringComparison.Ordinal);
    }

    [Fact]
    public void AckKeepsTheInviteCSeqNumber()
    {
        Dialog d = Dialog.FromSuccess(Invite(), Ok("<sip:p1;lr>"))!;
        string ack = Text(d.Ack(7, 70));
        Assert.Contains("CSeq: 7 ACK\r\n", ack, StringComparison.Ordinal);
        Assert.StartsWith("ACK sip:bob@192.0.2.4:5062;transport=udp SIP/2.0", ack, StringComparison.Ordinal);
    }

    [Fact]
    public void StrictRouterFirstBecomesTheRequestUriAndTheRemoteTargetTheLastRoute()
    {
        Dialog d = Dialog.FromSuccess(Invite(), Ok("<sip:p2.example.com;lr>", "<sip:p1.example.com>"))!;
        Assert.True(d.FirstRouteIsStrict);
        string bye = Text(d.NewRequest("BYE", 70));
        Assert.StartsWith("BYE sip:p1.example.com SIP/2.0\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("Route: <sip:p2.example.com;lr>\r\nRoute: <sip:bob@192.0.2.4:5062;transport=udp>\r\n", bye, StringComparison.Ordinal);
        Assert.DoesNotContain("Route: <sip:p1.example.com>", bye, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutRecordRouteInDialogRequestsCarryNoRoute()
    {
        Dialog d = Dialog.FromSuccess(Invite(), Ok())!;
        string bye = Text(d.NewRequest("BYE", 70));
        Assert.DoesNotContain("Route:", bye, StringComparison.Ordinal);
        Assert.StartsWith("BYE sip:bob@192.0.2.4:5062;transport=udp SIP/2.0", bye, StringComparison.Ordinal);
    }

    [Fact]
    public void ASuccessWithoutToTagMakesNoDialog()
    {
        SipReply reply = SipReply.TryParse(Encoding.ASCII.GetBytes(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=a1\r\nTo: <sip:b@c>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContact: <sip:b@d>\r\nContent-Length: 0\r\n\r\n"), 0)!;
        Assert.Null(Dialog.FromSuccess(Invite(), reply));
    }

    [Fact]
    public void TheCalleeKeepsTheRecordRouteOfTheInviteInItsOwnOrderAndTargetsTheCallersContact()
    {
        SipReply invite = SipReply.TryParse(Encoding.ASCII.GetBytes(
            "INVITE sip:bob@192.0.2.4:5062 SIP/2.0\r\nVia: SIP/2.0/UDP p1;branch=z9hG4bK1\r\n" +
            "Record-Route: <sip:p2.example.com;lr>\r\nRecord-Route: <sip:p1.example.com;lr>\r\n" +
            "From: <sip:alice@example.org>;tag=a1\r\nTo: <sip:bob@example.com>\r\nCall-ID: c2\r\nCSeq: 1 INVITE\r\n" +
            "Contact: <sip:alice@10.0.0.1:5060>\r\nContent-Length: 0\r\n\r\n"), 0)!;
        Dialog d = Dialog.FromRequest(invite, "b9")!;
        Assert.Equal(["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"], d.RouteSet);
        string bye = Text(d.NewRequest("BYE", 70));
        Assert.StartsWith("BYE sip:alice@10.0.0.1:5060 SIP/2.0\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("Route: <sip:p2.example.com;lr>\r\nRoute: <sip:p1.example.com;lr>\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("From: <sip:bob@example.com>;tag=b9\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("To: <sip:alice@example.org>;tag=a1\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("Call-ID: c2\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("CSeq: 1 BYE\r\n", bye, StringComparison.Ordinal);
    }
}
