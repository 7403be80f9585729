using Hyperproxy.Proxy.Transactions;
using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// A transaction waiting out wt_timer gives back the bytes it no longer reads (StatelessProxy.ShedForWait) and still
/// does everything a waiting transaction does: answers its request's retransmissions with its last reply, ACKs a
/// retransmitted negative final again, lets t_reply answer a retransmission.
/// </summary>
public sealed class TmWaitTests : IDisposable
{
    private const string PlainScript = Head
        + "route {\n"
        + "  if (is_method(\"INVITE\") && is_present_hf(\"X-Answer-Here\")) { t_reply(200, \"Answered Here\"); exit; }\n"
        + "  $du = \"sip:127.0.0.2:5070\";\n"
        + "  t_relay();\n"
        + "}\n";

    private readonly TmHarness _tm = new(PlainScript);

    public void Dispose() => _tm.Dispose();

    private Sent RelayInvite()
    {
        Sent[] sent = _tm.Send(Invite());
        Assert.Equal(2, sent.Length);
        return sent[1];
    }

    private Transaction Only()
    {
        for (int i = 0; i < _tm.Table.Created; i++)
        {
            if (_tm.Table[i].InUse)
            {
                return _tm.Table[i];
            }
        }

        throw new InvalidOperationException("no transaction in use");
    }

    [Fact]
    public void AnInviteWaitingAfterItsOkKeepsOnlyTheOkAndAnswersRetransmissionsWithIt()
    {
        Sent invite = RelayInvite();
        _tm.Send(ResponseTo(invite, 180, "Ringing"), Uas1);
        Sent ok = Assert.Single(_tm.Send(ResponseTo(invite, 200, "OK"), Uas1));

        Transaction t = Only();
        Assert.Equal(ServerState.Waiting, t.State);
        Assert.Null(t.Request);
        Assert.Equal(0, t.RequestLength);
        Assert.Null(t.Branches[0].Request);
        Assert.Equal(ok.Text.Length, t.ReplyLength);

        Sent again = Assert.Single(_tm.Send(Invite()));
        Assert.Equal(ok.Text, again.Text);
        Assert.Equal(Uac, again.Destination);

        _tm.Run(5200);
        Assert.Equal(0, _tm.Table.Count);
    }

    [Fact]
    public void ANonInviteWaitingAfterItsFinalKeepsOnlyTheFinal()
    {
        Sent[] sent = _tm.Send(Request("OPTIONS", "z9hG4bK-o1"));
        Sent options = Assert.Single(sent);
        Sent ok = Assert.Single(_tm.Send(ResponseTo(options, 200, "OK"), Uas1));

        Transaction t = Only();
        Assert.Equal(ServerState.Waiting, t.State);
        Assert.Null(t.Request);
        Assert.Null(t.Branches[0].Request);
        Assert.Equal(ok.Text, Assert.Single(_tm.Send(Request("OPTIONS", "z9hG4bK-o1"))).Text);
    }

    [Fact]
    public void ARetransmittedBusyIsAckedAgainAfterTheCallersAckPutTheTransactionInWait()
    {
        Sent invite = RelayInvite();
        Sent[] busy = _tm.Send(ResponseTo(invite, 486, "Busy Here"), Uas1);
        Assert.Equal(2, busy.Length);
        Sent ack = busy[0];
        Assert.Equal("ACK sip:bob@example.com SIP/2.0", ack.StartLine);
        Assert.Equal("SIP/2.0 486 Busy Here", busy[1].StartLine);
        Assert.Empty(_tm.Send(Request("ACK", "z9hG4bK-c1", toTag: ";tag=uas1")));

        Transaction t = Only();
        Assert.Equal(ServerState.Waiting, t.State);
        Assert.Null(t.Request);
        Assert.NotNull(t.Branches[0].Request); // a negative INVITE final's branch keeps its request (RFC 3261 §17.1.1.2)
        Assert.Null(t.Branches[0].FinalReply);

        Sent again = Assert.Single(_tm.Send(ResponseTo(invite, 486, "Busy Here"), Uas1));
        Assert.Equal(ack.Text, again.Text);
        Assert.Equal(Uas1, again.Destination);
        Assert.Equal("SIP/2.0 486 Busy Here", Assert.Single(_tm.Send(Invite())).StartLine);
    }

    [Fact]
    public void TReplyOnARetransmissionOfAWaitingInviteIsBuiltFromTheRequestInHand()
    {
        Sent invite = RelayInvite();
        Assert.Single(_tm.Send(ResponseTo(invite, 200, "OK"), Uas1));
        Assert.Null(Only().Request);

        string retransmission = Invite().Replace("Content-Length: 0", "X-Answer-Here: 1\r\nContent-Length: 0");
        Sent reply = Assert.Single(_tm.Send(retransmission));
        Assert.Equal("SIP/2.0 200 Answered Here", reply.StartLine);
        Assert.Equal(Uac, reply.Destination);
        // the Via as stamped on arrival, as a reply built from the stored request carried it
        Assert.Equal("SIP/2.0/UDP 127.0.0.9:40000;received=127.0.0.9;branch=z9hG4bK-c1;rport=40000", Assert.Single(reply.Headers("Via")));
        Assert.Equal("1 INVITE", reply.Headers("CSeq")[0]);
    }
}
