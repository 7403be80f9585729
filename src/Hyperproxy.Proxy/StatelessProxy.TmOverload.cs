using System.Buffers.Text;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// tm's admission control (RFC 6357 §4, RFC 7339's reasoning; what OpenSIPS/Kamailio setups do with a load check before
/// t_relay): work already admitted goes first, new work is refused early and cheaply. While the worker is behind, a new
/// out-of-dialog INVITE (no To tag, not a retransmission of a transaction we hold) is answered with a stateless 503 and
/// Retry-After, or dropped (<c>overload_policy</c>), before the script runs and without a transaction; replies, ACK,
/// CANCEL, BYE and every other request are never refused here. "Behind" is measured, not guessed:
/// <list type="bullet">
/// <item>the kernel's receive queue: a receive that filled the batch leaves some of the socket's buffer in use
/// (<see cref="DatagramBatch.QueuedBytes"/>, one getsockopt per full batch). At or above <c>overload_queue_threshold</c>
/// percent the worker is behind; under half of it (a receive that drains the queue included) it has caught up. A closed
/// loop at capacity keeps only its window queued; an offered load beyond capacity fills the buffer until the kernel drops
/// datagrams at random — replies, ACKs and BYEs of admitted calls among them — which is what this prevents.</item>
/// <item>the transaction table: at or above <c>overload_transactions_threshold</c> percent of <c>max_transactions</c>
/// new INVITEs are refused, so the requests of admitted calls (BYE, CANCEL) still find a slot.</item>
/// </list>
/// While a receive leaves at least <c>overload_drop_threshold</c> percent queued, refused INVITEs are dropped even under
/// the "reply" policy: the 503 and the ACK it brings back are work the worker has no time for then.
/// The hop-by-hop ACK of a stateless negative reply we sent (the 503s above; sl_send_reply's) carries our stateless To
/// tag: it is absorbed before the script (as OpenSIPS's sl module filters them) unless a transaction of ours matches it.
/// </summary>
public sealed partial class StatelessProxy
{
    private bool _overloaded;
    private bool _overloadSevere;
    private int _overloadDropPermille;
    private int _overloadOnPermille;
    private int _overloadOffPermille;
    private int _overloadInviteLimit = int.MaxValue;
    private byte[] _overloadHeaders = [];

    /// <summary>True while this worker is behind (new INVITEs are refused); tests read it.</summary>
    public bool TmOverloaded => _overloaded;

    private void InitOverload()
    {
        _overloadOnPermille = _tm!.OverloadQueuePercent * 10;
        _overloadOffPermille = _tm.OverloadQueuePercent * 5;
        _overloadDropPermille = _tm.OverloadDropPercent >= 100 ? int.MaxValue : _tm.OverloadDropPercent * 10;
        long limit = (long)_tm.MaxTransactionsPerWorker * _tm.OverloadTransactionsPercent / 100;
        _overloadInviteLimit = _tm.OverloadTransactionsPercent >= 100 ? int.MaxValue : (int)Math.Max(1, limit);
        if (_tm.OverloadRetryAfterSeconds > 0)
        {
            Span<byte> digits = stackalloc byte[16];
            Utf8Formatter.TryFormat(_tm.OverloadRetryAfterSeconds, digits, out int n);
            _overloadHeaders = [.. "Retry-After: "u8, .. digits[..n], .. "\r\n"u8];
        }
    }

    /// <summary>
    /// The backlog a receive left in the kernel (<paramref name="queuedBytes"/> of a <paramref name="limitBytes"/> buffer;
    /// 0, 0: drained or unknown): turns the worker behind at the threshold and back once under half of it.
    /// </summary>
    internal void NoteBacklog(long queuedBytes, long limitBytes)
    {
        if (_tm is null || !_tm.OverloadControl)
        {
            return;
        }

        long permille = limitBytes > 0 ? queuedBytes * 1000 / limitBytes : 0;
        _overloadSevere = permille >= _overloadDropPermille; // this batch only: the 503s wait for a shorter queue
        ref ProxyCounters c = ref _counters[_index];
        if (!_overloaded)
        {
            if (permille >= _overloadOnPermille)
            {
                _overloaded = true;
                c.TmOverloadEpisodes++;
                c.TmOverloaded = 1;
            }
        }
        else if (permille < _overloadOffPermille)
        {
            _overloaded = false;
            c.TmOverloaded = 0;
        }
    }

    /// <summary>Before the script: a new INVITE refused while behind (true: answered or dropped, counted); false: the
    /// request goes on to the script.</summary>
    private bool AdmissionRefused(in NetAddress source, int socket, DatagramBatch outgoing, ref ProxyCounters c)
    {
        SipMessage m = _message;
        if (m.Method != SipMethod.Invite || (!_overloaded && _transactions!.Count < _overloadInviteLimit) || m.ToTag.IsPresent
            || _transactions!.Find(ServerKey(m, asInvite: false)) is not null)
        {
            return false; // not a new INVITE, admitted, in-dialog, or a retransmission of a call we hold
        }

        c.TmOverloadRejected++;
        if (_tm!.OverloadReply && !_overloadSevere)
        {
            SendReply(503, "Service Unavailable"u8, _overloadHeaders, source, socket, outgoing, ref c);
        }
        else
        {
            c.RequestsDropped++;
        }

        return true;
    }

    /// <summary>Before the Via stamp and the script: the hop-by-hop ACK of one of our stateless negative replies, which no
    /// transaction of ours matches, ends here (true, counted).</summary>
    private bool LocalAckAbsorbed(ref ProxyCounters c)
    {
        SipMessage m = _message;
        if (m.Method != SipMethod.Ack || !m.ToTag.IsPresent || !IsOurStatelessTag(m) || _transactions!.Find(ServerKey(m, asInvite: true)) is not null)
        {
            return false;
        }

        c.TmLocalAcksAbsorbed++;
        c.AcksAbsorbed++;
        return true;
    }

    /// <summary>The ACK's To tag is the one <see cref="SendReply"/> gave the negative reply it acknowledges (same Call-ID,
    /// CSeq number, branch and From tag: RFC 3261 §17.1.1.3).</summary>
    private bool IsOurStatelessTag(SipMessage m)
    {
        ReadOnlySpan<byte> tag = m.Span(m.ToTag);
        Span<byte> ours = _scratch.AsSpan(256, 32);
        return tag.Length == 16 && StatelessBranch.TryWriteToTag(m, ours, out int n) && tag.SequenceEqual(ours[..n]);
    }
}
