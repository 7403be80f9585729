using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Sip.Headers;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// tm's reply side (RFC 3261 §16.7, §17.1): replies matched to their branch by the branch id of our Via, the
/// hop-by-hop ACK of a negative INVITE final, provisionals relayed, 2xx relayed at once (the other branches
/// CANCELled), negative finals kept until every branch is final, then failure_route or the best reply.
/// Local replies and relayed finals are kept byte for byte for retransmission upstream.
/// </summary>
public sealed partial class StatelessProxy
{
    internal static ReadOnlySpan<byte> ReasonOriginator => "Reason: SIP;cause=487;text=\"ORIGINATOR_CANCEL\"\r\n"u8;

    private static ReadOnlySpan<byte> ReasonCompleted => "Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n"u8;

    private static ReadOnlySpan<byte> ReasonNoAnswer => "Reason: SIP;cause=480;text=\"NO_ANSWER\"\r\n"u8;

    /// <summary>A reply whose top Via carries our tm branch id: handled here (true), or handed to its owner worker.</summary>
    private bool TryTmResponse(in NetAddress source, int socket, ref ProxyCounters c)
    {
        SipMessage m = _message;
        if (!TmBranchId.TryRead(m.Span(m.TopViaBranch), out int worker, out int slot, out int generation, out int b))
        {
            return false;
        }

        if (worker != _index)
        {
            HandOff(worker, m.Bytes, source, socket, ref c);
            return true;
        }

        BeginTm();
        Transaction? t = _transactions!.Get(slot, generation);
        int code = m.StatusCode;
        if (t is null || b >= t.BranchCount)
        {
            // The transaction is gone: a late 2xx to an INVITE still goes upstream (RFC 3261 §16.7 step 10, RFC 6026);
            // anything else ends here.
            if (m.CSeqMethod == SipMethod.Invite && code is >= 200 and < 300 && RelayResponse(socket, ref c))
            {
                c.TmRelayedReplies++;
            }
            else
            {
                c.RepliesDropped++;
            }

            return true;
        }

        c.TmRepliesReceived++; // matched to its transaction (OpenSIPS's tm:received_replies), CANCEL's replies included
        ClientBranch branch = t.Branches[b];
        if (t.TraceId != 0)
        {
            TraceTransactionReply(t, source, socket);
        }

        TimerWheel timers = _transactions.Timers;
        if (m.CSeqMethod == SipMethod.Cancel)
        {
            if (code >= 200)
            {
                branch.CancelAnswered = true;
                if (branch.Final || !t.IsInvite)
                {
                    timers.Cancel(t.BranchRetransmitTimer(b));
                }
            }

            return true; // the reply to our CANCEL ends here
        }

        if (_uacGenerations.Length != 0 && TryUacResponse(t, b, code, ref c))
        {
            return true; // a transaction this worker originated (t_uac_dlg): nothing goes upstream
        }

        if (branch.Final)
        {
            // A retransmitted final: ACK it again (negative INVITE), relay a 2xx again, absorb the rest.
            if (t.IsInvite && code >= 300)
            {
                SendHopAck(t, b, ref c);
            }
            else if (t.IsInvite && code >= 200 && RelayResponse(socket, ref c))
            {
                c.TmRelayedReplies++;
                CountFinal(ref c, code);
            }

            return true;
        }

        if (!branch.CancelSent || branch.CancelAnswered)
        {
            if (t.IsInvite || code >= 200)
            {
                timers.Cancel(t.BranchRetransmitTimer(b));
            }
            else
            {
                // Non-INVITE in Proceeding: retransmit every T2 (RFC 3261 §17.1.2.2).
                ScheduleBranchRetransmit(t, b, _tm!.T2Ms, _clock.NowMs);
            }
        }

        _tmCurrent = t;
        _tmBranch = b;
        _tmReplyCode = code;
        SetReason(m.Span(m.Reason));
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
                SendCancel(t, b, ReasonFor(t, branch.PendingCause), ref c);
            }

            if (!RunReplyRoutes(t, source, socket) || code == 100 || t.FinalSent)
            {
                return true; // dropped by the script, our own 100 went already, or too late
            }

            if (RelayResponse(socket, ref c))
            {
                c.TmRelayedReplies++;
                KeepLastReply(t, code, local: false);
            }

            return true;
        }

        branch.Final = true;
        branch.LastCode = code;
        timers.Cancel(t.BranchFinalTimer(b));
        if (t.IsInvite && code >= 300)
        {
            SendHopAck(t, b, ref c); // RFC 3261 §17.1.1.3
        }

        RunReplyRoutes(t, source, socket); // a final cannot be dropped
        if (code < 300)
        {
            bool first = !t.FinalSent;
            if ((first || t.IsInvite) && RelayResponse(socket, ref c))
            {
                c.TmRelayedReplies++;
                CountFinal(ref c, code);
                if (first)
                {
                    KeepLastReply(t, code, local: false);
                }
            }

            if (first)
            {
                t.ReplyCode = Math.Max(t.ReplyCode, code);
                t.NoNewBranches = true;
                NoteDialog(t); // t_check_trans: its end-to-end ACK matches dialog-wise (-2)
                if (!t.NoCancelOn2xx)
                {
                    CancelOthers(t, b, CancelCause.Completed, ref c);
                }
                FinalSentUpstream(t);
            }

            return true;
        }

        if (t.FinalSent)
        {
            return true; // a final already went upstream: later negative finals end here
        }

        branch.FinalReplyLength = _buffers.Store(ref branch.FinalReply, m.Bytes);
        if (code == 430 && t.FlowsLength > 0 && TryNextFlow(t, b, ref c))
        {
            return true; // RFC 5626 §5.3: the instance's next flow has the request now
        }

        if (code == 503 && branch.FailoverHostLength > 0 && TryDnsFailover(t, b, ref c))
        {
            return true; // RFC 3263 §4.3: the name's next address has the request now
        }

        bool sixxx = code >= 600 && !_tm!.Disable6xxBlock;
        if (sixxx)
        {
            t.NoNewBranches = true;
            CancelOthers(t, b, CancelCause.Originator, ref c);
        }

        if (sixxx || t.AllBranchesFinal)
        {
            CompleteNegative(t, ref c);
        }

        return true;
    }

    /// <summary>A final reply went upstream (relayed or local): tm's <c>2xx_transactions</c> .. <c>6xx_transactions</c>, as OpenSIPS counts them.</summary>
    private static void CountFinal(ref ProxyCounters c, int code)
    {
        switch (code / 100)
        {
            case 2: c.TmFinal2xx++; break;
            case 3: c.TmFinal3xx++; break;
            case 4: c.TmFinal4xx++; break;
            case 5: c.TmFinal5xx++; break;
            case 6: c.TmFinal6xx++; break;
        }
    }

    /// <summary>The branch's reply route (t_on_reply armed in branch_route is not kept apart: one per transaction), then the main one.</summary>
    private bool RunReplyRoutes(Transaction t, in NetAddress source, int socket)
    {
        bool keep = true;
        if (_script.HasReplyRoute)
        {
            _context.Begin(_message, _edits, source, socket);
            keep = _script.RunReply(_context);
        }

        if (t.OnReply is { } route)
        {
            _context.Begin(_message, _edits, source, socket);
            keep &= _script.RunRoute(route, _context);
        }

        return keep;
    }

    private void SetReason(ReadOnlySpan<byte> reason)
    {
        int n = Math.Min(reason.Length, _tmReason.Length);
        reason[..n].CopyTo(_tmReason);
        _tmReasonLength = n;
    }

    /// <summary>Every branch has a negative final: failure_route (if armed, disarmed as it starts), else the best reply upstream.</summary>
    private void CompleteNegative(Transaction t, ref ProxyCounters c)
    {
        int best = BestBranch(t);
        t.BestBranch = best;
        if (best < 0)
        {
            return;
        }

        if (t.OnFailure is { } route)
        {
            t.OnFailure = null;
            RunFailureRoute(t, best, route);
            if (t.FinalSent || !t.AllBranchesFinal)
            {
                return; // the route replied, or started new branches
            }
        }

        RelayBest(t, best, ref c);
    }

    /// <summary>
    /// RFC 3261 §16.7 step 6 with OpenSIPS's ranks (lowest wins, ties to the first branch): 6xx, 3xx, 401, 407,
    /// 415, 420, 484, other 4xx, other 5xx, 408, 503; a 487 first when the caller cancelled.
    /// </summary>
    internal static int Rank(int code, bool cancelled)
    {
        if (cancelled && code == 487)
        {
            return 0;
        }

        return code switch
        {
            >= 600 => 1000 + code,
            >= 300 and < 400 => 2000 + code,
            401 => 3000,
            407 => 3001,
            415 => 3002,
            420 => 3003,
            484 => 3004,
            408 => 7000,
            503 => 8000,
            >= 400 and < 500 => 4000 + code,
            _ => 5000 + code,
        };
    }

    private static int BestBranch(Transaction t)
    {
        int best = -1;
        int bestRank = int.MaxValue;
        for (int i = 0; i < t.BranchCount; i++)
        {
            ClientBranch b = t.Branches[i];
            if (!b.Final || b.LastCode < 300 || b.Superseded)
            {
                continue;
            }

            int rank = Rank(b.LastCode, t.Cancelled);
            if (rank < bestRank)
            {
                best = i;
                bestRank = rank;
            }
        }

        return best;
    }

    /// <summary>failure_route with the request as the winning branch carried it (R-URI = that branch's), $T_reply_code its final.</summary>
    private void RunFailureRoute(Transaction t, int best, RouteNode route)
    {
        ClientBranch branch = t.Branches[best];
        SipMessage savedMessage = _message;
        SipEdits savedEdits = _edits;
        if (ParseBranchBase(branch) != SipError.None)
        {
            return;
        }

        _message = _txBranch;
        _edits = _txEdits;
        _edits.Reset(_txBranch);
        int code = branch.LastCode;
        if (branch.FinalReply is not null && branch.FinalReplyLength > 0 && _txRequest.Parse(branch.FinalReply, 0, branch.FinalReplyLength) == SipError.None)
        {
            SetReason(_txRequest.Span(_txRequest.Reason));
        }
        else
        {
            SetReason("Request Timeout"u8);
        }

        try
        {
            _context.Begin(_txBranch, _txEdits, t.Source, t.Socket);
            _context.RportForced = t.RportForced;
            _context.RestoreAvps(t.Avps, t.AvpsLength);
            _tmCurrent = t;
            _tmBranch = best;
            _tmReplyCode = code;
            _inFailureRoute = true;
            _failureViaRemoved = false;
            _script.RunRoute(route, _context);
            KeepAvps(t, _context);
        }
        finally
        {
            _inFailureRoute = false;
            _message = savedMessage;
            _edits = savedEdits;
        }
    }

    /// <summary>The winning negative final upstream: the stored reply relayed (our Via removed, 503 → 500), or the 408 (or a transport error's 500) built here.</summary>
    private void RelayBest(Transaction t, int best, ref ProxyCounters c)
    {
        ClientBranch branch = t.Branches[best];
        if (branch.FinalReply is null || branch.FinalReplyLength == 0)
        {
            // tm's own finals: 408 (no reply in time), or a transport error's 503 — which goes up as 500 (§16.7 step 6).
            if (branch.LastCode == 503)
            {
                LocalReply(t, 500, "Next Hop Unreachable"u8, default, ref c);
            }
            else
            {
                LocalReply(t, branch.LastCode, "Request Timeout"u8, default, ref c);
            }

            return;
        }

        SipMessage savedMessage = _message;
        SipEdits savedEdits = _edits;
        if (_txBranch.Parse(branch.FinalReply, 0, branch.FinalReplyLength) != SipError.None)
        {
            return;
        }

        _message = _txBranch;
        _edits = _txEdits;
        _edits.Reset(_txBranch);
        try
        {
            if (branch.LastCode is 401 or 407)
            {
                MergeChallenges(t, best);
            }

            if (RelayResponse(t.Socket, ref c))
            {
                c.TmRelayedReplies++;
                CountFinal(ref c, branch.LastCode);
                KeepLastReply(t, branch.LastCode, local: false);
                FinalSentUpstream(t);
            }
        }
        finally
        {
            _message = savedMessage;
            _edits = savedEdits;
        }
    }

    /// <summary>
    /// RFC 3261 §16.7 step 7: the winning 401/407 carries every WWW-Authenticate and Proxy-Authenticate of the
    /// other branches' 401 and 407 finals, unmodified, so the caller can answer every challenger at once.
    /// </summary>
    private void MergeChallenges(Transaction t, int best)
    {
        for (int i = 0; i < t.BranchCount; i++)
        {
            ClientBranch other = t.Branches[i];
            if (i == best || !other.Final || other.LastCode is not (401 or 407) || other.FinalReply is null || other.FinalReplyLength == 0
                || _txRequest.Parse(other.FinalReply, 0, other.FinalReplyLength) != SipError.None)
            {
                continue;
            }

            for (int h = 0; h < _txRequest.HeaderCount; h++)
            {
                ref readonly HeaderEntry header = ref _txRequest.Header(h);
                if (header.Id is HeaderId.WwwAuthenticate or HeaderId.ProxyAuthenticate
                    && _edits.AddHeader(_txRequest.Span(header.Line)) != SipError.None)
                {
                    return; // the edit arena is full: the challenges gathered so far go up
                }
            }
        }
    }

    /// <summary>tracer scope t: a reply received for a traced transaction is captured as received, and what is
    /// sent for it (the relayed reply, a t_reply of failure_route) is captured as it leaves.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void TraceTransactionReply(Transaction t, in NetAddress source, int socket)
    {
        _context.TraceId = t.TraceId;
        _context.Tracer?.Capture(_index, t.TraceId - 1, outgoing: false, source, _identity.Bound(socket), _message.Bytes);
    }

    /// <summary>The datagram just written to the outgoing batch is the transaction's last reply (kept for retransmissions).</summary>
    private void KeepLastReply(Transaction t, int code, bool local)
    {
        int slot = _outgoing.Count - 1;
        t.ReplyLength = _buffers.Store(ref t.Reply, _outgoing.Payload(slot));
        t.ReplyDestination = _outgoing.Info(slot).Peer;
        t.ReplySocket = _outgoing.Info(slot).SocketIndex;
        t.ReplyCode = code >= 200 || t.ReplyCode < 200 ? code : t.ReplyCode;
        t.LastReplyLocal = local;
        t.AllRepliesLocal &= local;
    }

    /// <summary>
    /// A reply generated here for transaction <paramref name="t"/> (t_reply, 100 Trying, 487, 408, 503 ...), built
    /// from the request as received (with its Via stamp), sent and kept for retransmission.
    /// </summary>
    private bool LocalReply(Transaction t, int code, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> headers, ref ProxyCounters c)
    {
        bool sent;
        if (t.Request is null && _message.IsRequest && !_inFailureRoute && !_inTimer)
        {
            // A waiting transaction gave its stored request back (ShedForWait): the request in hand is a retransmission
            // of it (t_reply on a transaction found by the request's own key), so the reply is built from that.
            sent = SendReply(code, reason, headers, t.Source, t.Socket, _outgoing, ref c, t.RportForced || _context.RportForced);
        }
        else if (t.Request is null)
        {
            return false;
        }
        else if (!_message.IsRequest || _inFailureRoute || _inTimer || !ReferenceEquals(_tmCurrent, t))
        {
            // Not the request in hand (a timer, a reply, a failure_route): rebuild it from the stored copy.
            SipMessage savedMessage = _message;
            SipEdits savedEdits = _edits;
            if (_txRequest.Parse(t.Request!, 0, t.RequestLength) != SipError.None)
            {
                return false;
            }

            _message = _txRequest;
            _edits = _txEdits;
            _edits.Reset(_txRequest);
            try
            {
                StampTopVia(t.Source);
                sent = SendReply(code, reason, headers, t.Source, t.Socket, _outgoing, ref c, t.RportForced);
            }
            finally
            {
                _message = savedMessage;
                _edits = savedEdits;
            }
        }
        else
        {
            sent = SendReply(code, reason, headers, t.Source, t.Socket, _outgoing, ref c, t.RportForced || _context.RportForced);
        }

        if (!sent)
        {
            return false;
        }

        c.TmLocalReplies++;
        CountFinal(ref c, code);
        KeepLastReply(t, code, local: true);
        if (code >= 200)
        {
            t.NoNewBranches = true;
            FinalSentUpstream(t);
        }

        return true;
    }

    /// <summary>
    /// A final went upstream: an INVITE's negative final (or a local 2xx) is retransmitted until its ACK (Timer G,
    /// Timer H = fr_timeout), except 401/407 (RFC 3261 §26.3.2.4); everything else waits out wt_timer. Over a reliable
    /// transport a negative final has no Timer G (RFC 3261 §17.2.1): the transaction only waits for the ACK; a local 2xx
    /// is the UAS core's and is retransmitted over any transport (RFC 3261 §13.3.1.4, as OpenSIPS).
    /// </summary>
    private void FinalSentUpstream(Transaction t)
    {
        long now = _clock.NowMs;
        TimerWheel timers = _transactions!.Timers;
        bool retransmit = t.IsInvite && t.LastReplyLocal ? t.ReplyCode is not (401 or 407) : t.IsInvite && t.ReplyCode >= 300 && t.ReplyCode is not (401 or 407);
        if (retransmit)
        {
            t.State = ServerState.Completed;
            t.UasRetransmitMs = _tm!.T1Ms;
            if (t.ReplyCode < 300 || !_identity.Protocol(t.ReplySocket).IsStream())
            {
                timers.Schedule(t.UasRetransmitTimer, now + _tm.T1Ms);
            }

            timers.Schedule(t.UasWaitTimer, now + t.FrTimeoutMs);
        }
        else
        {
            EnterWait(t, now);
        }
    }

    private void EnterWait(Transaction t, long now)
    {
        t.State = ServerState.Waiting;
        _transactions!.Timers.Cancel(t.UasRetransmitTimer);
        _transactions.Timers.Schedule(t.UasWaitTimer, now + _tm!.WaitMs);
        ShedForWait(t);
    }

    /// <summary>The ACK of our negative final (hop by hop): absorbed, the transaction waits out wt_timer.</summary>
    private void AbsorbAck(Transaction t, ref ProxyCounters c)
    {
        c.AcksAbsorbed++;
        _context.Answered = true;
        if (t.State == ServerState.Completed)
        {
            t.State = ServerState.Confirmed;
            EnterWait(t, _clock.NowMs);
        }
    }

    /// <summary>A request retransmission: the last reply again, byte for byte (nothing yet: absorbed silently).</summary>
    private void ResendReply(Transaction t, ref ProxyCounters c)
    {
        _context.Answered = true;
        if (t.ReplyLength == 0)
        {
            return;
        }

        if (_outgoing.TryAdd(t.Reply.AsSpan(0, t.ReplyLength), t.ReplyDestination, t.ReplySocket))
        {
            c.TmRetransmissionsSent++;
        }
        else
        {
            c.OutputFull++;
        }
    }

    /// <summary>
    /// CANCEL matched this INVITE (RFC 3261 §9.2, §16.10): every pending branch is cancelled (now, or at its first
    /// provisional). With pass-reason-hdr the caller's Reason header lines go down in those CANCELs (RFC 3326), kept with
    /// the transaction for the branches that have not answered yet.
    /// </summary>
    private void CancelInvite(Transaction t, Script.Runtime.TmRelayFlags flags, ref ProxyCounters c)
    {
        t.Cancelled = true;
        if ((flags & Script.Runtime.TmRelayFlags.PassReasonHeader) != 0 && t.CancelReasonLength == 0)
        {
            KeepCallerReason(t);
        }

        for (int i = 0; i < t.BranchCount; i++)
        {
            CancelBranch(t, i, CancelCause.Originator);
        }
    }

    /// <summary>The Reason header lines of the CANCEL in hand, as received, into <see cref="Transaction.CancelReason"/>.</summary>
    private void KeepCallerReason(Transaction t)
    {
        SipMessage m = _message;
        Span<byte> lines = _scratch;
        int n = 0;
        int headers = m.HeaderCount;
        for (int i = 0; i < headers; i++)
        {
            ref readonly HeaderEntry h = ref m.Header(i);
            if (h.Id != HeaderId.Reason)
            {
                continue;
            }

            ReadOnlySpan<byte> line = m.Span(h.Line); // name to CRLF, as received
            bool ended = line.EndsWith("\n"u8);
            if (n + line.Length + (ended ? 0 : 2) > lines.Length)
            {
                break; // what fits of an oversized set; the rest is not relayed
            }

            line.CopyTo(lines[n..]);
            n += line.Length;
            if (!ended)
            {
                "\r\n"u8.CopyTo(lines[n..]);
                n += 2;
            }
        }

        if (n > 0)
        {
            t.CancelReasonLength = _buffers.Store(ref t.CancelReason, lines[..n]);
        }
    }

    /// <summary>The Reason header line(s) of a CANCEL tm sends for <paramref name="cause"/>.</summary>
    private static ReadOnlySpan<byte> ReasonFor(Transaction t, CancelCause cause) => cause switch
    {
        CancelCause.Completed => ReasonCompleted,
        CancelCause.NoAnswer => ReasonNoAnswer,
        _ => t.CancelReasonLength > 0 ? t.CancelReason.AsSpan(0, t.CancelReasonLength) : ReasonOriginator,
    };

    private void CancelOthers(Transaction t, int except, CancelCause cause, ref ProxyCounters c)
    {
        for (int i = 0; i < t.BranchCount; i++)
        {
            if (i != except)
            {
                CancelBranch(t, i, cause);
            }
        }
    }

    private void CancelBranch(Transaction t, int b, CancelCause cause)
    {
        ClientBranch branch = t.Branches[b];
        if (branch.Final || branch.CancelSent || !t.IsInvite)
        {
            return;
        }

        if (branch.GotProvisional)
        {
            SendCancel(t, b, ReasonFor(t, cause), ref _counters[_index]);
        }
        else if (!branch.CancelPending)
        {
            branch.CancelPending = true; // RFC 3261 §9.1: not before a provisional
            branch.PendingCause = cause;
        }
    }

    /// <summary>
    /// Our CANCEL for branch <paramref name="b"/> (RFC 3261 §9.1): the branch's Request-URI, its (our) Via, Route,
    /// From, To, Call-ID, the CSeq number with CANCEL, Max-Forwards, Reason; kept and retransmitted (Timer E).
    /// </summary>
    private void SendCancel(Transaction t, int b, ReadOnlySpan<byte> reason, ref ProxyCounters c)
    {
        ClientBranch branch = t.Branches[b];
        if (_txBranch.Parse(branch.Request!, 0, branch.RequestLength) != SipError.None || !_outgoing.TryGetFreeSlot(out Span<byte> slot))
        {
            return;
        }

        int n = TmRequests.Write(_txBranch, "CANCEL"u8, null, reason, slot);
        if (n < 0)
        {
            return;
        }

        _outgoing.Commit(n, branch.Destination, branch.Socket, branch.Connection);
        TraceTm(t, slot[..n], branch.Destination, branch.Socket);
        branch.CancelLength = _buffers.Store(ref branch.Cancel, slot[..n]);
        branch.CancelSent = true;
        branch.CancelPending = false;
        ScheduleBranchRetransmit(t, b, _tm!.T1Ms, _clock.NowMs);
    }

    /// <summary>The ACK of a negative final on branch <paramref name="b"/> (RFC 3261 §17.1.1.3): To from the reply in hand.</summary>
    private void SendHopAck(Transaction t, int b, ref ProxyCounters c)
    {
        ClientBranch branch = t.Branches[b];
        if (_txBranch.Parse(branch.Request!, 0, branch.RequestLength) != SipError.None || !_outgoing.TryGetFreeSlot(out Span<byte> slot))
        {
            return;
        }

        int n = TmRequests.Write(_txBranch, "ACK"u8, _message, default, slot);
        if (n >= 0)
        {
            _outgoing.Commit(n, branch.Destination, branch.Socket, branch.Connection);
            TraceTm(t, slot[..n], branch.Destination, branch.Socket);
        }
    }
}
