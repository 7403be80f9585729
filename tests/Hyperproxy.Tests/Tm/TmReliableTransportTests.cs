using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1: Timers A, E and G run only over unreliable transports. Over TCP the
/// transport delivers or the connection fails; a resend would be a duplicate, or, for a flow whose connection is
/// gone, a new connection towards the peer's address (RFC 5626 §5.3 forbids that).
/// </summary>
public sealed class TmReliableTransportTests
{
    private const int TcpSocket = 1;

    private const string ToTcpCallee = Head
        + "route {\n"
        + "  if (is_method(\"CANCEL\")) { if (t_check_trans()) t_relay(); exit; }\n"
        + "  $du = \"sip:127.0.0.2:5070;transport=tcp\";\n"
        + "  if (!t_relay()) { sl_reply_error(); }\n"
        + "}\n";

    private static Sent RelayInviteToTcp(TmHarness tm)
    {
        Sent[] sent = tm.Send(Invite());
        Assert.Equal(2, sent.Length);
        Sent invite = sent[1];
        Assert.Equal("INVITE sip:bob@example.com SIP/2.0", invite.StartLine);
        Assert.Equal(TcpSocket, invite.Socket);
        Assert.StartsWith("SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKtm", invite.Headers("Via")[0]);
        return invite;
    }

    [Fact]
    public void AnInviteSentOverTcpIsNotRetransmitted()
    {
        using var tm = new TmHarness(ToTcpCallee, withTcp: true);
        RelayInviteToTcp(tm);
        Assert.Empty(tm.Run(4500)); // over UDP Timer A would have resent it at 0.5, 1.5 and 3.5 s
        Assert.Equal(0, tm.Counters.TmRetransmissionsSent);
    }

    [Fact]
    public void ANonInviteSentOverTcpIsNotRetransmittedBeforeOrAfterAProvisional()
    {
        using var tm = new TmHarness(ToTcpCallee, withTcp: true);
        Sent message = Assert.Single(tm.Send(Request("MESSAGE", "z9hG4bK-m1")));
        Assert.Equal(TcpSocket, message.Socket);
        Assert.Empty(tm.Run(2000));
        Assert.Empty(tm.Send(ResponseTo(message, 100, "Trying"), Uas1, TcpSocket));
        Assert.Empty(tm.Run(2500)); // over UDP Timer E resends every T2 in Proceeding
        Sent ok = Assert.Single(tm.Send(ResponseTo(message, 200, "OK"), Uas1, TcpSocket));
        Assert.Equal("SIP/2.0 200 OK", ok.StartLine);
        Assert.Equal(0, tm.Counters.TmRetransmissionsSent);
    }

    [Fact]
    public void ACancelSentOverTcpIsNotRetransmittedAndTheBranchStillEnds()
    {
        using var tm = new TmHarness(ToTcpCallee, withTcp: true);
        Sent invite = RelayInviteToTcp(tm);
        Assert.Single(tm.Send(ResponseTo(invite, 180, "Ringing"), Uas1, TcpSocket));
        Sent[] cancelled = tm.Send(Request("CANCEL", "z9hG4bK-c1"));
        Sent cancel = Assert.Single(cancelled, s => s.StartLine.StartsWith("CANCEL ", StringComparison.Ordinal));
        Assert.Equal(TcpSocket, cancel.Socket);
        Assert.Empty(tm.Run(2000));
        Assert.Empty(tm.Send(ResponseTo(cancel, 200, "OK"), Uas1, TcpSocket));
        Sent[] terminated = tm.Send(ResponseTo(invite, 487, "Request Terminated"), Uas1, TcpSocket);
        Sent ack = Assert.Single(terminated, s => s.StartLine.StartsWith("ACK ", StringComparison.Ordinal));
        Assert.Equal(TcpSocket, ack.Socket);
        Assert.Contains(terminated, s => s.StartLine == "SIP/2.0 487 Request Terminated" && s.Destination == Uac);
        Assert.Equal(0, tm.Counters.TmRetransmissionsSent);
    }

    [Fact]
    public void ANegativeFinalToACallerOnTcpIsNotRetransmittedButStillWaitsForTheAck()
    {
        using var tm = new TmHarness(Head + "route { $du = \"sip:127.0.0.2:5070\"; if (!t_relay()) { sl_reply_error(); } }\n", withTcp: true);
        string overTcp = Invite().Replace("SIP/2.0/UDP 127.0.0.9:40000", "SIP/2.0/TCP 127.0.0.9:40000", StringComparison.Ordinal);
        Sent[] sent = tm.Send(overTcp, Uac, TcpSocket);
        Sent invite = Assert.Single(sent, s => s.StartLine.StartsWith("INVITE ", StringComparison.Ordinal));
        Assert.Equal(0, invite.Socket);
        Sent[] declined = tm.Send(ResponseTo(invite, 603, "Decline"), Uas1);
        Sent upstream = Assert.Single(declined, s => s.StartLine == "SIP/2.0 603 Decline");
        Assert.Equal(TcpSocket, upstream.Socket);
        Assert.Empty(tm.Run(3000)); // over UDP Timer G would have resent it at 0.5, 1.5 s
        Assert.Equal(0, tm.Counters.TmRetransmissionsSent);

        // The ACK of the 603 is still absorbed by the transaction (Timer H has not run out).
        string ack = Request("ACK", "z9hG4bK-c1", toTag: ";tag=uas1").Replace("SIP/2.0/UDP", "SIP/2.0/TCP", StringComparison.Ordinal);
        Assert.Empty(tm.Send(ack, Uac, TcpSocket));
        Assert.Equal(1, tm.Counters.AcksAbsorbed);
    }

    [Fact]
    public void ALocal2xxToACallerOnTcpIsStillRetransmittedUntilItsAck()
    {
        // RFC 3261 §13.3.1.4: the UAS core retransmits its 2xx over any transport (OpenSIPS's t_reply does).
        using var tm = new TmHarness(Head + "route { t_reply(200, \"OK\"); }\n", withTcp: true);
        string overTcp = Invite().Replace("SIP/2.0/UDP 127.0.0.9:40000", "SIP/2.0/TCP 127.0.0.9:40000", StringComparison.Ordinal);
        Sent ok = Assert.Single(tm.Send(overTcp, Uac, TcpSocket), s => s.StartLine == "SIP/2.0 200 OK");
        Assert.Equal(TcpSocket, ok.Socket);
        List<Sent> again = tm.Run(2000);
        Assert.Equal(2, again.Count); // 0.5 and 1.5 s
        Assert.All(again, s => Assert.Equal(ok.Text, s.Text));
    }

    [Fact]
    public void OverUdpTheSameInviteIsRetransmitted()
    {
        using var tm = new TmHarness(Head + "route { $du = \"sip:127.0.0.2:5070\"; if (!t_relay()) { sl_reply_error(); } }\n", withTcp: true);
        Sent[] sent = tm.Send(Invite());
        Assert.Equal(0, sent[1].Socket);
        Assert.Equal(2, tm.Run(2000).Count); // 0.5 and 1.5 s
    }
}
