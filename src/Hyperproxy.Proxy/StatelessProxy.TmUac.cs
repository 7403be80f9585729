using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// tm's locally originated (UAC) transactions on the owning worker (MI <c>t_uac_dlg</c>, <see cref="UacHub"/>): the
/// request from this worker's <see cref="UacRing"/> gets a transaction slot and tm's branch id, is sent and kept as
/// branch 0 (Timer A/E over UDP, Timer B/F = fr_timeout, Timer C = fr_inv_timeout for an INVITE with a provisional),
/// and its final reply (or tm's 408) goes back to the management side. Provisionals are noted, never answered; an
/// INVITE's negative final is ACKed hop by hop (RFC 3261 §17.1.1.3) and its 2xx ACKed end to end (§13.2.2.4). There is
/// no server side: nothing is relayed upstream. Which slots are UAC is kept here (slot → generation), so the
/// transaction record is shared with proxied transactions unchanged.
/// </summary>
public sealed partial class StatelessProxy
{
    /// <summary>How often an idle worker looks for UAC requests the management thread queued.</summary>
    private const int UacPollMs = 10;

    private UacHub? _uacHub;
    private UacRing? _uacRing;
    private UacRequest?[] _uacRequests = [];
    private int[] _uacGenerations = [];

    /// <summary>tm's UAC side (MI t_uac_dlg); null unless the script loads tm and the management interface.</summary>
    public UacHub? Uac
    {
        get => _uacHub;
        init
        {
            _uacHub = value;
            _uacRing = value?.Ring(_index);
        }
    }

    private int UacMillisecondsUntilDue() => _uacRing is null ? int.MaxValue : _uacRing.IsEmpty ? UacPollMs : 0;

    /// <summary>Starts the UAC requests waiting in this worker's ring (as many as the send batch has room for).</summary>
    private void StartUacs(DatagramBatch outgoing)
    {
        _outgoing = outgoing;
        ref ProxyCounters c = ref _counters[_index];
        while (outgoing.Count < outgoing.Capacity && _uacRing!.TryDequeue() is { } request)
        {
            StartUac(request, ref c);
        }
    }

    private void StartUac(UacRequest r, ref ProxyCounters c)
    {
        if (_transactions is null || _tm is null)
        {
            r.Fail(500);
            return;
        }

        ulong key = (0x5541430000000000UL | (ulong)(uint)_uacSerial++) ^ ((ulong)TmBranchId.Salt << 20) ^ ((ulong)_index << 56);
        Transaction? t = _transactions.TryAdd(key);
        if (t is null)
        {
            c.TmTableFull++;
            r.Fail(503);
            return;
        }

        TmBranchId.Write(r.Message.AsSpan(r.BranchOffset, TmBranchId.Length), _index, t.Index, t.Generation, 0);
        if (!_outgoing.TryAdd(r.Message, r.Destination, r.Socket))
        {
            c.OutputFull++;
            _transactions.Remove(t);
            r.Fail(500);
            return;
        }

        c.TmUacTransactions++;
        c.TmInUse = _transactions.Count;
        t.Method = r.Method;
        t.Socket = r.Socket;
        t.FrTimeoutMs = _tm.FrTimeoutMs;
        t.FrInvTimeoutMs = _tm.FrInvTimeoutMs;
        t.TraceId = r.TraceId;
        MarkUac(t, r);
        ClientBranch branch = _transactions.EnsureBranch(t, 0);
        branch.Reset();
        branch.RequestLength = _buffers.Store(ref branch.Request, r.Message);
        branch.Destination = r.Destination;
        branch.Socket = r.Socket;
        branch.RetransmitMs = _tm.T1Ms;
        t.BranchCount = 1;
        long now = _clock.NowMs;
        if (!r.Reliable)
        {
            _transactions.Timers.Schedule(t.BranchRetransmitTimer(0), now + _tm.T1Ms); // Timer A/E
        }

        _transactions.Timers.Schedule(t.BranchFinalTimer(0), now + t.FrTimeoutMs); // Timer B/F
        if (r.TraceId != 0 && _uacHub!.Tracer is { } tracer)
        {
            _context.Tracer ??= tracer; // the replies of this transaction are captured through the context's hub
            tracer.Capture(_index, r.TraceId - 1, outgoing: true, _identity.Bound(r.Socket), r.Destination, r.Message);
        }
    }

    private int _uacSerial;

    /// <summary>
    /// Notes <paramref name="t"/> as a client transaction of this worker's own, without a server side: MI t_uac_dlg's
    /// (<paramref name="r"/> gets its final) or t_replicate's (null: its final is absorbed).
    /// </summary>
    private void MarkUac(Transaction t, UacRequest? r)
    {
        if (_uacRequests.Length <= t.Index)
        {
            int size = Math.Max(64, Math.Max(t.Index + 1, _uacRequests.Length * 2));
            Array.Resize(ref _uacRequests, size);
            Array.Resize(ref _uacGenerations, size);
        }

        _uacRequests[t.Index] = r;
        _uacGenerations[t.Index] = t.Generation;
    }

    /// <summary>True when <paramref name="t"/> is a transaction this worker originated (MI t_uac_dlg).</summary>
    private bool IsUac(Transaction t) => (uint)t.Index < (uint)_uacGenerations.Length && _uacGenerations[t.Index] == t.Generation;

    /// <summary>
    /// A reply matched to a UAC transaction: provisionals stop Timer A (INVITE) or slow Timer E to T2, a final ends it —
    /// the ACK of an INVITE's final, the reply handed to the management side, the wait timer. False: not a UAC transaction.
    /// </summary>
    private bool TryUacResponse(Transaction t, int b, int code, ref ProxyCounters c)
    {
        if (!IsUac(t))
        {
            return false;
        }

        ClientBranch branch = t.Branches[b];
        TimerWheel timers = _transactions!.Timers;
        if (branch.Final)
        {
            if (t.IsInvite && code >= 300)
            {
                SendHopAck(t, b, ref c); // a retransmitted final: ACK it again
            }
            else if (t.IsInvite && code >= 200)
            {
                SendUacAck2xx(t, b);
            }

            return true;
        }

        if (!branch.CancelSent || branch.CancelAnswered)
        {
            if (t.IsInvite || code >= 200)
            {
                timers.Cancel(t.BranchRetransmitTimer(b));
            }
            else if (_uacRequests[t.Index] is { } r ? !r.Reliable : !_identity.Protocol(branch.Socket).IsStream())
            {
                branch.RetransmitMs = _tm!.T2Ms; // RFC 3261 §17.1.2.2: Proceeding retransmits every T2
                timers.Schedule(t.BranchRetransmitTimer(b), _clock.NowMs + _tm.T2Ms);
            }
        }

        if (code < 200)
        {
            bool first = !branch.GotProvisional;
            branch.GotProvisional = true;
            branch.LastCode = code;
            if (t.IsInvite && (first || _tm!.RestartFrOnEachReply))
            {
                timers.Schedule(t.BranchFinalTimer(b), _clock.NowMs + t.FrInvTimeoutMs); // Timer C
            }

            if (branch.CancelPending && !branch.CancelSent)
            {
                SendCancel(t, b, ReasonNoAnswer, ref c);
            }

            return true; // a provisional is never the answer
        }

        branch.Final = true;
        branch.LastCode = code;
        timers.Cancel(t.BranchFinalTimer(b));
        if (t.IsInvite && code >= 300)
        {
            SendHopAck(t, b, ref c);
        }
        else if (t.IsInvite)
        {
            SendUacAck2xx(t, b);
        }

        CountFinal(ref c, code);
        t.ReplyCode = code;
        if (_uacRequests[t.Index] is { } request)
        {
            _uacRequests[t.Index] = null;
            request.Complete(code, _message.Bytes);
        }

        EnterWait(t, _clock.NowMs);
        return true;
    }

    /// <summary>Timer B/F/C (<paramref name="code"/> 408) or a transport error (503) ended the UAC transaction's only branch:
    /// that is the answer. False: not a UAC transaction.</summary>
    private bool TryUacTimeout(Transaction t, int code, ref ProxyCounters c)
    {
        if (!IsUac(t))
        {
            return false;
        }

        if (t.FinalSent)
        {
            return true;
        }

        t.ReplyCode = code;
        CountFinal(ref c, code);
        if (_uacRequests[t.Index] is { } request)
        {
            _uacRequests[t.Index] = null;
            request.Fail(code);
        }

        EnterWait(t, _clock.NowMs);
        return true;
    }

    /// <summary>
    /// The ACK of a 2xx to our INVITE (RFC 3261 §13.2.2.4, a transaction of its own): Request-URI = the 2xx's Contact,
    /// Route = its Record-Route reversed, a branch of its own (ours with <c>ta</c> for <c>tm</c>, so nothing matches it),
    /// From/Call-ID/CSeq number of the INVITE, To of the 2xx. It goes where the INVITE went (the next hop that
    /// record-routed, or the UAS itself).
    /// </summary>
    private void SendUacAck2xx(Transaction t, int b)
    {
        ClientBranch branch = t.Branches[b];
        SipMessage reply = _message;
        if (_txBranch.Parse(branch.Request!, 0, branch.RequestLength) != SipError.None || !_outgoing.TryGetFreeSlot(out Span<byte> slot))
        {
            return;
        }

        ReadOnlySpan<byte> target = reply.GetFirstContact(out NameAddr contact) == SipError.None && contact.Uri.IsPresent
            ? reply.Span(contact.Uri) : _txBranch.Span(_txBranch.RequestUri);
        int o = 0;
        if (!Put("ACK "u8, slot, ref o) || !Put(target, slot, ref o) || !Put(" SIP/2.0\r\n"u8, slot, ref o))
        {
            return;
        }

        int via = _txBranch.FindHeader(HeaderId.Via);
        if (via < 0)
        {
            return;
        }

        int viaStart = o;
        if (!Put(_txBranch.Span(_txBranch.Header(via).Line), slot, ref o))
        {
            return;
        }

        int cookie = slot[viaStart..o].IndexOf("z9hG4bKtm"u8);
        if (cookie >= 0)
        {
            slot[viaStart + cookie + 8] = (byte)'a';
        }

        // Route: the Record-Route set in reverse (the last header line's last element first).
        int routes = 0;
        Span<TextRange> elements = stackalloc TextRange[16];
        for (int h = reply.HeaderCount - 1; h >= 0; h--)
        {
            if (reply.Header(h).Id != HeaderId.RecordRoute)
            {
                continue;
            }

            int count = 0;
            foreach (HeaderValue value in reply.ValuesOf(h))
            {
                if (count < elements.Length)
                {
                    elements[count++] = value.Value;
                }
            }

            for (int e = count - 1; e >= 0; e--)
            {
                if (!Put(routes++ == 0 ? "Route: "u8 : ", "u8, slot, ref o) || !Put(reply.Span(elements[e]), slot, ref o))
                {
                    return;
                }
            }
        }

        if ((routes > 0 && !Put("\r\n"u8, slot, ref o))
            || !CopyLine(_txBranch, HeaderId.From, slot, ref o) || !CopyLine(reply, HeaderId.To, slot, ref o)
            || !CopyLine(_txBranch, HeaderId.CallId, slot, ref o) || !Put("CSeq: "u8, slot, ref o)
            || !System.Buffers.Text.Utf8Formatter.TryFormat(_txBranch.CSeqNumber, slot[o..], out int digits))
        {
            return;
        }

        o += digits;
        if (!Put(" ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"u8, slot, ref o))
        {
            return;
        }

        _outgoing.Commit(o, branch.Destination, branch.Socket, branch.Connection);
        TraceTm(t, slot[..o], branch.Destination, branch.Socket);
    }

    /// <summary>tracer: a message tm sends on its own for a traced transaction (its ACK, CANCEL, a UAC's ACK of a 2xx), as sent.</summary>
    private void TraceTm(Transaction t, ReadOnlySpan<byte> bytes, in NetAddress destination, int socket)
    {
        if (t.TraceId != 0)
        {
            TraceTmOut(t.TraceId, bytes, destination, socket);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void TraceTmOut(int traceId, ReadOnlySpan<byte> bytes, in NetAddress destination, int socket) =>
        (_context.Tracer ?? _uacHub?.Tracer)?.Capture(_index, traceId - 1, outgoing: true, _identity.Bound(socket), destination, bytes);

    private static bool CopyLine(SipMessage m, HeaderId id, Span<byte> destination, ref int o)
    {
        int i = m.FindHeader(id);
        return i >= 0 && Put(m.Span(m.Header(i).Line), destination, ref o);
    }

    private static bool Put(ReadOnlySpan<byte> bytes, Span<byte> destination, ref int o)
    {
        if (!bytes.TryCopyTo(destination[o..]))
        {
            return false;
        }

        o += bytes.Length;
        return true;
    }
}
