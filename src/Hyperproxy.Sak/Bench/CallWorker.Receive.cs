using System.Diagnostics;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Sak.Bench;

/// <summary>The call worker's receive side: the callee's answers and the caller's dialog.</summary>
public sealed partial class CallWorker
{
    /// <summary>Callee: INVITE → 180 + 200 (with SDP), ACK → counted, BYE → 200; responses (late REGISTER answers) dropped.</summary>
    private void Answer(DatagramBatch incoming, int i, DatagramBatch replies)
    {
        if (_message.Parse(incoming.Buffer, incoming.PayloadOffset(i), incoming.Payload(i).Length) != SipError.None || !_message.IsRequest)
        {
            Unmatched++;
            return;
        }
        ref readonly NetAddress peer = ref incoming.Peer(i);
        switch (_message.Method)
        {
            case SipMethod.Invite:
                CalleeInvites++;
                Reply(replies, peer, "180 Ringing"u8, dialog: true, sdp: false);
                Reply(replies, peer, "200 OK"u8, dialog: true, sdp: true);
                break;
            case SipMethod.Ack:
                CalleeAcks++;
                break;
            case SipMethod.Bye:
                CalleeByes++;
                Reply(replies, peer, "200 OK"u8, dialog: false, sdp: false);
                break;
            default:
                Reply(replies, peer, "501 Not Implemented"u8, dialog: false, sdp: false);
                break;
        }
    }

    private void Reply(DatagramBatch replies, in NetAddress peer, ReadOnlySpan<byte> statusLine, bool dialog, bool sdp)
    {
        if (!replies.TryGetFreeSlot(out Span<byte> slot))
        {
            WriteErrors++;
            return;
        }
        int length = _writer.WriteAnswer(slot, _message, statusLine, dialog, sdp);
        if (length == 0)
        {
            WriteErrors++;
            return;
        }
        replies.Commit(length, peer, 1);
    }

    /// <summary>Caller: a response to INVITE or BYE. Returns 1 when it ended a call, else 0.</summary>
    private int OnResponse(DatagramBatch incoming, int i, DatagramBatch replies, ulong oldest, ulong next, long arrived)
    {
        ReadOnlySpan<byte> p = incoming.Payload(i);
        int status = StatusOf(p);
        ulong seq = 0;
        CallLeg leg = status == 0 ? CallLeg.None : CallWriter.Classify(p, out seq);
        if (leg is not (CallLeg.Invite or CallLeg.Bye))
        {
            Unmatched++;
            return 0;
        }
        if (seq < oldest || seq >= next)
        {
            Late++;
            return 0;
        }
        int k = (int)(seq & (ulong)_mask);
        bool measured = seq >= MeasureFrom;
        if (leg == CallLeg.Invite)
        {
            long sentAt = _inviteAt[k];
            if (sentAt == 0)
            {
                Late++;
                return 0;
            }
            if (status < 200)
            {
                if (measured)
                    ByClass[1]++;
                return 0;
            }
            _inviteAt[k] = 0;
            if (measured)
                RecordFinal(status, arrived - sentAt, arrived);
            if (status >= 300)
            {
                if (measured)
                    Failed++;
                AckFailure(incoming, i, replies, seq);
                return 1;
            }
            if (!AckAndBye(incoming, i, replies, seq))
            {
                if (measured)
                    Failed++;
                return 1;
            }
            _byeAt[k] = arrived;
            return 0;
        }
        long byeAt = _byeAt[k];
        if (byeAt == 0)
        {
            Late++;
            return 0;
        }
        if (status < 200)
            return 0;
        _byeAt[k] = 0;
        LastAnswer = arrived;
        if (measured)
        {
            ByeByStatus[status]++;
            ByeHistogram.RecordValue(Math.Max(1, (long)((arrived - byeAt) * TicksToNs)));
            if (status < 300)
                Completed++;
            else
                Failed++;
        }
        return 1;
    }

    /// <summary>ACK and BYE of the call the 2xx <paramref name="i"/> answered, into the reply batch, addressed along its route set.</summary>
    private bool AckAndBye(DatagramBatch incoming, int i, DatagramBatch replies, ulong seq)
    {
        if (_message.Parse(incoming.Buffer, incoming.PayloadOffset(i), incoming.Payload(i).Length) != SipError.None)
            return false;
        NetAddress hop = default;
        for (int n = 0; n < 2; n++)
        {
            if (!replies.TryGetFreeSlot(out Span<byte> slot))
            {
                WriteErrors++;
                return false;
            }
            int length = _writer.WriteInDialog(slot, _message, seq, bye: n == 1, out TextRange hopUri);
            // §12.2.1.1: to the first route's address, or the remote target's when there is no route set.
            if (length == 0 || (n == 0 && !_hops.TryGet(_message.Span(hopUri), out hop)))
            {
                WriteErrors++;
                return false;
            }
            replies.Commit(length, hop, 0);
        }
        return true;
    }

    /// <summary>The ACK a non-2xx final answer needs (a stateful server retransmits its answer until it comes).</summary>
    private void AckFailure(DatagramBatch incoming, int i, DatagramBatch replies, ulong seq)
    {
        if (_message.Parse(incoming.Buffer, incoming.PayloadOffset(i), incoming.Payload(i).Length) != SipError.None
            || !replies.TryGetFreeSlot(out Span<byte> slot))
        {
            WriteErrors++;
            return;
        }
        int length = _writer.WriteFailureAck(slot, _message, seq, UserOf(seq));
        if (length == 0)
        {
            WriteErrors++;
            return;
        }
        replies.Commit(length, _target, 0);
    }
}
