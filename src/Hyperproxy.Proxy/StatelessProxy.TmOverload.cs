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

    // Kernel shedding (see TickShedding): the share of INVITEs the socket filter drops now, and this interval's new INVITEs.
    private const int ShedIntervalMs = 10;
    private const int ShedMaxPermille = 970;
    private const int ShedMinPermille = 20;
    private int _shedHighPermille;
    private int _shedLowPermille;
    private long _shedTickAt;
    private int _shedPermille;
    private long _shedQueueMax;

    /// <summary>True while this worker is behind (new INVITEs are refused); tests read it.</summary>
    public bool TmOverloaded => _overloaded;

    private void InitOverload()
    {
        _overloadOnPermille = _tm!.OverloadQueuePercent * 10;
        _overloadOffPermille = _tm.OverloadQueuePercent * 5;
        _shedHighPermille = _tm.OverloadQueuePercent * 6; // 60% and 20% of the threshold: 30% and 10% of the buffer by default
        _shedLowPermille = _tm.OverloadQueuePercent * 2;
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
        _shedQueueMax = Math.Max(_shedQueueMax, permille);
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

    /// <summary>
    /// Kernel shedding, once every <see cref="ShedIntervalMs"/> (on the worker's clock, at a receive). Refusing a new INVITE
    /// in the worker still costs it the INVITE's receive and parse, the 503 and the ACK that comes back: at three times its
    /// capacity, more than the calls it admits. And the refusal above is all or nothing: once the queue is half full every
    /// new INVITE is refused until it is under a quarter, and the worker then idles while callers come back. So before the
    /// queue gets there, the worker has the kernel drop a share of the INVITEs before they are queued
    /// (<see cref="DatagramBatch.InviteShedThreshold"/>, a socket filter: <see cref="InviteShedFilter"/>), and steers that
    /// share by the queue itself, the fullest a receive left it during the interval: above 60% of <c>overload_queue_threshold</c>
    /// (30% of the buffer by default), a tenth fewer INVITEs pass; under 20% of it (10%), 3% more (a tenth more when the queue was drained, no receive full); in between the share
    /// holds. The queue then stays between a tenth and a third of the buffer — never empty, so the worker is never idle
    /// while calls are offered, and never half full, so it seldom refuses. With no backlog the share falls to none and the
    /// filter is detached. At most 97% is shed. The filter sees only the first bytes: it drops any INVITE (a
    /// retransmission, a re-INVITE) with the same probability; the caller's retransmission (Timer A) gets the same chance
    /// again.
    /// </summary>
    private void TickShedding(DatagramBatch received)
    {
        if (_tm is null || !_tm.OverloadControl || !_tm.OverloadKernelShed)
        {
            return;
        }

        long now = _clock.NowMs;
        if (now - _shedTickAt < ShedIntervalMs)
        {
            return;
        }

        _shedTickAt = now;
        ref ProxyCounters c = ref _counters[_index];
        c.KernelDrops = received.KernelDrops;
        long fullest = _shedQueueMax;
        _shedQueueMax = 0;
        if (received.InviteShedUnsupported)
        {
            c.TmShedPermille = _shedPermille = 0;
            return;
        }

        int passing = 1000 - _shedPermille;
        if (fullest > _shedHighPermille)
        {
            passing = passing * 9 / 10;
        }
        else if (fullest == 0)
        {
            passing = passing * 11 / 10 + 1;
        }
        else if (fullest < _shedLowPermille)
        {
            passing = passing * 103 / 100 + 1;
        }

        int permille = Math.Clamp(1000 - passing, 0, ShedMaxPermille);
        if (permille < ShedMinPermille && fullest <= _shedHighPermille)
        {
            permille = 0;
        }

        if (permille != _shedPermille)
        {
            _shedPermille = permille;
            received.InviteShedThreshold = InviteShedFilter.ThresholdFor(permille);
            c.TmShedPermille = permille;
            c.TmShedChanges++;
        }
    }

    /// <summary>The share of INVITEs (permille) this worker asks the kernel to drop now; tests read it.</summary>
    public int TmShedPermille => _shedPermille;

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
