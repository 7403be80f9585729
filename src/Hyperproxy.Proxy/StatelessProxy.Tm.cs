using System.Runtime.CompilerServices;
using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Sip.Headers;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// tm's script functions (<see cref="ITmHost"/>): server transactions created by t_relay / t_newtran / t_reply,
/// retransmissions absorbed with the last reply, branches started, CANCEL matched to its INVITE (RFC 3261 §9.2,
/// §16.10, §17.2.3). One transaction table per worker; nothing here locks, and nothing allocates once the
/// table's slots and buffers have grown to the load.
/// </summary>
public sealed partial class StatelessProxy
{
    private static ReadOnlySpan<byte> InviteMethod => "INVITE"u8;

    private readonly TmSettings? _tm;
    private readonly TransactionTable? _transactions;
    private readonly TransactionHub? _hub;
    private readonly TmClock _clock;
    private readonly BufferPool _buffers = new();
    private readonly SipMessage _txRequest = new();
    private readonly SipEdits _txEdits = new();
    private readonly SipMessage _txBranch = new();
    private readonly byte[] _tmBranchId = new byte[TmBranchId.Length];
    private readonly byte[] _tmReason = new byte[128];

    /// <summary>The transaction in hand while a route runs (null: none yet).</summary>
    private Transaction? _tmCurrent;

    /// <summary>The branch in hand (onreply_route, failure_route), -1 otherwise.</summary>
    private int _tmBranch = -1;
    private int _tmReplyCode;
    private int _tmReasonLength;
    private bool _inFailureRoute;
    private bool _failureViaRemoved;
    private RouteNode? _armFailure;
    private RouteNode? _armReply;
    private RouteNode? _armBranch;
    private long _tmEditsMark;
    private int _armFrTimeoutMs;
    private int _armFrInvTimeoutMs;

    /// <summary>The worker's transactions (tests read it); null when the script does not load tm.</summary>
    public TransactionTable? TmTable => _transactions;

    private void BeginTm()
    {
        _tmCurrent = null;
        _tmBranch = -1;
        _tmReplyCode = 0;
        _tmReasonLength = 0;
        _inFailureRoute = false;
        _armFailure = _armReply = _armBranch = null;
        _armFrTimeoutMs = _armFrInvTimeoutMs = 0;
    }

    // ---- ITmHost: script functions ----

    public int TRelay(ScriptContext context, TmRelayFlags flags, ReadOnlySpan<byte> destination)
    {
        if (_transactions is null || !_message.IsRequest)
        {
            return -1;
        }

        ref ProxyCounters c = ref _counters[_index];
        if (_inFailureRoute)
        {
            return RelayFromFailureRoute(context, destination, ref c);
        }

        SipMessage m = _message;
        if (m.Method == SipMethod.Ack)
        {
            Transaction? invite = _transactions.Find(ServerKey(m, asInvite: true));
            if (invite is not null && invite.IsInvite && invite.ReplyCode >= 300)
            {
                AbsorbAck(invite, ref c);
                return 1;
            }

            return Forward(context, destination); // the end-to-end ACK of a 2xx: stateless (RFC 3261 §16.7 step 10 / §17.2.3)
        }

        if (m.Method == SipMethod.Cancel && _tmCurrent is null)
        {
            Transaction? invite = _transactions.Find(ServerKey(m, asInvite: true));
            if (invite is not null && invite.IsInvite)
            {
                CancelInvite(invite, flags, ref c);
                Transaction? own = _transactions.Find(ServerKey(m, asInvite: false));
                if (own is not null)
                {
                    ResendReply(own, ref c);
                    return 1;
                }

                own = NewTransaction(context, ref c);
                if (own is not null)
                {
                    LocalReply(own, 200, "canceling"u8, default, ref c);
                }

                return 1;
            }
        }

        Transaction? t = _tmCurrent;
        if (t is null)
        {
            Transaction? existing = _transactions.Find(ServerKey(m, asInvite: false));
            if (existing is not null)
            {
                c.TmRetransmissionsAbsorbed++;
                ResendReply(existing, ref c);
                return 1;
            }

            t = NewTransaction(context, ref c);
            if (t is null)
            {
                return -1;
            }
        }

        ApplyArms(t);
        KeepAvps(t, context);
        t.NoDnsFailover = (flags & TmRelayFlags.NoDnsFailover) != 0;
        t.NoCancelOn2xx = (flags & TmRelayFlags.AllowNoCancel) != 0 && t.IsInvite && AsksNoCancel(_message);
        if (t.Cancelled && t.BranchCount == 0)
        {
            LocalReply(t, 487, "Request Terminated"u8, default, ref c);
            return -3;
        }

        int outgoingMark = _outgoing.Count;
        if (t.IsInvite && t.ReplyCode == 0 && _tm!.Auto100Trying && (flags & TmRelayFlags.No100) == 0)
        {
            LocalReply(t, 100, "Giving it a try"u8, default, ref c);
        }

        _tmEditsMark = _edits.Mark;
        RouteError error = StartBranches(t, context, destination, ref c, out RouteError forked);
        if (error == RouteError.None || t.BranchCount > 0)
        {
            return 1;
        }

        if (error == RouteError.ResolutionPending && t.ReplyCode <= 100)
        {
            // The next hop's name is being looked up: as stateless forwarding, the request is dropped and its
            // retransmission finds the answer. The transaction this request opened (here or in t_newtran) goes too, with
            // its 100 Trying unsent (a provisional would stop the caller's retransmissions), so that the retransmission
            // runs the script again instead of being absorbed.
            _outgoing.TruncateTo(outgoingMark);
            _transactions.Remove(t);
            c.TmInUse = _transactions.Count;
            _tmCurrent = null;
            c.UnresolvedDrops++;
            return RouteErrors.ReturnCode(error);
        }

        return RelayFailed(t, context, error == RouteError.None ? forked : error, flags, ref c);
    }

    /// <summary>
    /// Parallel forking (RFC 3261 §16.5, §16.6): after branch 0, one branch per entry of the destination set
    /// (append_branch, lookup), in insertion order, each the request with its own Request-URI, <c>$du</c>, Via and, for a
    /// contact registered with a Path, that Path as its pre-loaded Route set.
    /// The set is emptied.
    /// </summary>
    private RouteError ForkDestinationSet(Transaction t, ScriptContext context, ref ProxyCounters c)
    {
        RouteError last = RouteError.None;
        int count = context.BranchCount;
        for (int i = 0; i < count && t.BranchCount < Transaction.MaxBranches; i++)
        {
            _edits.Rewind(_tmEditsMark);
            context.ForgetRequestUriCommit();
            if (!context.SetRequestUri(context.BranchUri(i)))
            {
                continue;
            }

            ReadOnlySpan<byte> du = context.BranchDestination(i);
            if (du.IsEmpty)
            {
                context.ResetDestination();
            }
            else
            {
                context.SetDestination(du);
            }

            context.SetPreloadedRoute(context.BranchRouteLine(i));
            context.NoNewConnection = context.BranchIsLocalFlow(i);
            context.FlowConnection = 0;

            int before = t.BranchCount;
            RouteError error = StartBranch(t, context, default, ref c);
            if (error != RouteError.None)
            {
                last = error;
            }

            if (i + 1 < _positionBranch.Length)
            {
                _positionBranch[i + 1] = t.BranchCount > before ? before : -1;
                _positionError[i + 1] = error;
            }
        }

        context.ClearBranches();
        return last;
    }

    public int TNewTran(ScriptContext context)
    {
        if (_transactions is null || !_message.IsRequest || _inFailureRoute)
        {
            return -1;
        }

        ref ProxyCounters c = ref _counters[_index];
        if (_tmCurrent is not null)
        {
            return -1; // t_newtran twice is an error (OpenSIPS)
        }

        SipMessage m = _message;
        Transaction? existing = _transactions.Find(ServerKey(m, asInvite: m.Method == SipMethod.Ack));
        if (existing is not null)
        {
            if (m.Method == SipMethod.Ack)
            {
                if (existing.IsInvite && existing.ReplyCode >= 300)
                {
                    AbsorbAck(existing, ref c);
                }

                return 0;
            }

            c.TmRetransmissionsAbsorbed++;
            ResendReply(existing, ref c);
            return 0;
        }

        if (m.Method == SipMethod.Ack)
        {
            return -1; // no transaction for an ACK (OpenSIPS)
        }

        Transaction? t = NewTransaction(context, ref c);
        if (t is null)
        {
            return -1;
        }

        ApplyArms(t);
        if (t.IsInvite && _tm!.Auto100Trying)
        {
            LocalReply(t, 100, "Giving it a try"u8, default, ref c);
        }

        return 1;
    }

    public bool THasTransaction(ScriptContext context) => _tmCurrent is not null && _message.IsRequest;

    public int TReply(ScriptContext context, int code, ReadOnlySpan<byte> reason)
    {
        if (_transactions is null)
        {
            return -1;
        }

        ref ProxyCounters c = ref _counters[_index];
        Transaction? t = _tmCurrent;
        if (t is null)
        {
            if (!_message.IsRequest || _message.Method == SipMethod.Ack)
            {
                return -1;
            }

            t = _transactions.Find(ServerKey(_message, asInvite: false)) ?? NewTransaction(context, ref c);
            if (t is null)
            {
                return -1;
            }

            ApplyArms(t);
        }

        if (t.FinalSent && !(t.IsInvite && code is >= 200 and < 300))
        {
            return -1; // one final per transaction
        }

        return LocalReply(t, code, reason, context.ReplyHeaders, ref c) ? 1 : -1;
    }

    public int TCheckTrans(ScriptContext context)
    {
        if (_transactions is null || !_message.IsRequest)
        {
            return -1;
        }

        SipMessage m = _message;
        switch (m.Method)
        {
            case SipMethod.Cancel:
                return _transactions.Find(ServerKey(m, asInvite: true)) is { IsInvite: true } ? 1 : -1;
            case SipMethod.Ack:
                // 1: the hop-by-hop ACK of an INVITE transaction; -2: it matches one only dialog-wise (the end-to-end ACK of a 2xx).
                return _transactions.Find(ServerKey(m, asInvite: true)) is { IsInvite: true } ? 1 : MatchesDialog(m) ? -2 : -1;
            default:
                Transaction? t = _transactions.Find(ServerKey(m, asInvite: false));
                if (t is null)
                {
                    return -1;
                }

                ref ProxyCounters c = ref _counters[_index];
                c.TmRetransmissionsAbsorbed++;
                ResendReply(t, ref c);
                return 0;
        }
    }

    public void TArm(ScriptContext context, TmRouteKind kind, RouteDefinition route)
    {
        RouteNode? node = _script.NodeOf(route);
        Transaction? t = _tmCurrent;
        switch (kind)
        {
            case TmRouteKind.Failure:
                _armFailure = node;
                if (t is not null)
                {
                    t.OnFailure = node;
                }

                break;
            case TmRouteKind.Reply:
                _armReply = node;
                if (t is not null)
                {
                    t.OnReply = node;
                }

                break;
            default:
                _armBranch = node;
                if (t is not null)
                {
                    t.OnBranch = node;
                }

                break;
        }
    }

    public bool TWasCancelled(ScriptContext context) => _tmCurrent is { Cancelled: true };

    public bool TLocalReplied(ScriptContext context, bool all) =>
        _tmCurrent is { } t && t.ReplyCode != 0 && (all ? t.AllRepliesLocal : t.LastReplyLocal);

    public int TCancelBranch(ScriptContext context, bool all, bool others)
    {
        Transaction? t = _tmCurrent;
        if (t is null || _tmBranch < 0)
        {
            return -1;
        }

        for (int i = 0; i < t.BranchCount; i++)
        {
            bool pick = all || (others ? i != _tmBranch : i == _tmBranch);
            if (pick)
            {
                CancelBranch(t, i, CancelCause.Originator);
            }
        }

        return 1;
    }

    public int TReplyCode(ScriptContext context) => _tmReplyCode;

    public ReadOnlySpan<byte> TReplyReason(ScriptContext context) => _tmReason.AsSpan(0, _tmReasonLength);

    public int TBranchIndex(ScriptContext context) => _tmBranch;

    public ReadOnlySpan<byte> TRequestUri(ScriptContext context)
    {
        if (_tmCurrent is { } t && _tmBranch >= 0 && _tmBranch < t.BranchCount && _inFailureRoute)
        {
            return _message.Span(_message.RequestUri);
        }

        return _message.IsRequest ? context.RequestUri : default;
    }

    public int TTimeout(ScriptContext context, bool invite)
    {
        if (_tm is null)
        {
            return 0;
        }

        int armed = invite ? _armFrInvTimeoutMs : _armFrTimeoutMs;
        return (invite ? _tmCurrent?.FrInvTimeoutMs ?? (armed > 0 ? armed : _tm.FrInvTimeoutMs)
            : _tmCurrent?.FrTimeoutMs ?? (armed > 0 ? armed : _tm.FrTimeoutMs)) / 1000;
    }

    /// <summary>Sets the timer of the transaction in hand, or (before t_relay/t_newtran) of the one this request creates.</summary>
    public bool TSetTimeout(ScriptContext context, bool invite, int seconds)
    {
        if (_tm is null || seconds is < 1 or > 86_400)
        {
            return false;
        }

        if (_tmCurrent is not { } t)
        {
            if (invite)
            {
                _armFrInvTimeoutMs = seconds * 1000;
            }
            else
            {
                _armFrTimeoutMs = seconds * 1000;
            }

            return true;
        }

        if (invite)
        {
            t.FrInvTimeoutMs = seconds * 1000;
        }
        else
        {
            t.FrTimeoutMs = seconds * 1000;
        }

        return true;
    }

    // ---- creation and matching ----

    /// <summary>
    /// The matching key of a request (RFC 3261 §17.2.3): with the magic cookie, the top Via branch, sent-by
    /// host and port and the method (ACK and, with <paramref name="asInvite"/>, CANCEL look for the INVITE);
    /// without it (RFC 2543), Call-ID, CSeq number, From tag, the Request-URI (ruri_matching) and the top Via
    /// (via1_matching). A 64-bit hash with a per-process seed stands for the key.
    /// </summary>
    private ulong ServerKey(SipMessage m, bool asInvite)
    {
        // t_check_trans, t_relay's lookup and the new transaction all want the key of the request in hand: hashed once.
        int which = asInvite || m.Method is SipMethod.Invite or SipMethod.Ack ? 1 : 2;
        if (ReferenceEquals(m, _keysFor))
        {
            if ((_keysValid & which) != 0)
            {
                return which == 1 ? _inviteKey : _ownKey;
            }

            ulong key = ComputeServerKey(m, asInvite);
            _keysValid |= which;
            if (which == 1)
            {
                _inviteKey = key;
            }
            else
            {
                _ownKey = key;
            }

            return key;
        }

        return ComputeServerKey(m, asInvite);
    }

    /// <summary>Which of <see cref="_inviteKey"/> (1) and <see cref="_ownKey"/> (2) hold the keys of <see cref="_keysFor"/>,
    /// the message <see cref="Process(byte[], int, int, in NetAddress, int, long, DatagramBatch)"/> parsed last (not a
    /// stored copy a failure_route or a timer parses).</summary>
    private int _keysValid;
    private SipMessage? _keysFor;
    private ulong _inviteKey;
    private ulong _ownKey;

    private ulong ComputeServerKey(SipMessage m, bool asInvite)
    {
        ulong h = 0xcbf29ce484222325UL ^ TmBranchId.Salt;
        ReadOnlySpan<byte> branch = m.Span(m.TopViaBranch);
        if (branch.Length > 7 && branch.StartsWith("z9hG4bK"u8) && m.GetTopVia(out ViaHeader via) == SipError.None)
        {
            h = Mix(h, branch);
            h = Mix(h, m.Span(via.Host));
            h = Step(h, (ulong)via.PortNumber);
        }
        else
        {
            h = Mix(h, m.Span(m.CallId));
            h = Step(h, m.CSeqNumber);
            h = Mix(h, m.Span(m.FromTag));
            if (_tm!.RuriMatching)
            {
                h = Mix(h, m.Span(m.RequestUri));
            }

            if (_tm.Via1Matching && m.GetTopVia(out ViaHeader v1) == SipError.None)
            {
                h = Mix(h, m.Span(v1.Host));
                h = Step(h, (ulong)v1.PortNumber);
                h = Mix(h, m.Span(v1.Branch));
            }
        }

        ReadOnlySpan<byte> method = asInvite || m.Method == SipMethod.Ack || m.Method == SipMethod.Invite ? InviteMethod : m.Span(m.MethodRange);
        return Mix(h, method);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Step(ulong h, ulong v) => (h ^ v) * 0x100000001b3UL;

    private static ulong Mix(ulong h, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            h = (h ^ b) * 0x100000001b3UL;
        }

        return Step(h, (ulong)bytes.Length);
    }

    /// <summary>A new server transaction for the request in hand; null when the table is full (503 or drop, counted).</summary>
    private Transaction? NewTransaction(ScriptContext context, ref ProxyCounters c)
    {
        SipMessage m = _message;
        Transaction? t = _transactions!.TryAdd(ServerKey(m, asInvite: false));
        if (t is null)
        {
            c.TmTableFull++;
            if (_tm!.ReplyWhenFull && m.Method != SipMethod.Ack)
            {
                SendReply(503, "Service Unavailable"u8, "Retry-After: 5\r\n"u8, context.Source, context.Socket, _outgoing, ref c, context.RportForced);
            }

            return null;
        }

        c.TmTransactions++;
        c.TmInUse = _transactions.Count;
        t.Method = m.Method;
        t.RequestLength = _buffers.Store(ref t.Request, m.Bytes);
        t.Source = context.Source;
        t.Socket = context.Socket;
        t.RportForced = context.RportForced;
        t.FrTimeoutMs = _armFrTimeoutMs > 0 ? _armFrTimeoutMs : _tm!.FrTimeoutMs;
        t.FrInvTimeoutMs = _armFrInvTimeoutMs > 0 ? _armFrInvTimeoutMs : _tm!.FrInvTimeoutMs;
        _tmCurrent = t;
        return t;
    }

    private void ApplyArms(Transaction t)
    {
        if (_armFailure is not null)
        {
            t.OnFailure = _armFailure;
        }

        if (_armReply is not null)
        {
            t.OnReply = _armReply;
        }

        if (_armBranch is not null)
        {
            t.OnBranch = _armBranch;
        }
    }

    /// <summary>The next branch of <paramref name="t"/>: the request in hand with our Via (tm's branch id), sent and kept for retransmission.</summary>
    private RouteError StartBranch(Transaction t, ScriptContext context, ReadOnlySpan<byte> destination, ref ProxyCounters c)
    {
        if (t.BranchCount >= Transaction.MaxBranches || t.NoNewBranches)
        {
            return RouteError.Internal;
        }

        if (t.OnBranch is { } branchRoute)
        {
            return StartBranchThroughRoute(t, branchRoute, context, destination, ref c);
        }

        return SendBranch(t, context, destination, ref c);
    }

    /// <summary>
    /// The branch_route runs on a copy of the request for this branch (OpenSIPS/Kamailio): the headers it adds or removes,
    /// the Request-URI, <c>$du</c> and socket it sets go into this branch only. Its edits and the routing state are taken
    /// back once the branch is out, so the next branch, and the route that called t_relay, start from the request as it
    /// was. When the route edited headers, the branch also keeps the request without them (<see cref="ClientBranch.Base"/>)
    /// for a failure_route and for further branches derived from it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private RouteError StartBranchThroughRoute(Transaction t, RouteNode branchRoute, ScriptContext context, ReadOnlySpan<byte> destination, ref ProxyCounters c)
    {
        int b = t.BranchCount;
        long before = _edits.Mark;
        int savedBranch = _tmBranch;
        context.KeepBranchState();
        _tmBranch = b;
        bool send = _script.RunRoute(branchRoute, context);
        _tmBranch = savedBranch;
        RouteError error = RouteError.None;
        if (send)
        {
            long routed = _edits.Mark;
            error = SendBranch(t, context, destination, ref c);
            if (t.BranchCount > b)
            {
                ClientBranch branch = t.Branches[b];
                branch.BaseLength = 0;
                if (routed != before)
                {
                    KeepBranchBase(branch, before, routed);
                }
            }
        }

        _edits.Rewind(before);
        _tmEditsMark = before;
        context.RestoreBranchState();
        return error;
    }

    /// <summary>The request as this branch carried it without the branch_route's header edits (its R-URI and our Via kept).</summary>
    private void KeepBranchBase(ClientBranch branch, long before, long routed)
    {
        _edits.Cut(before, routed);
        byte[] scratch = _branchBaseScratch ??= new byte[BufferPool.MaxLength];
        int written = SipWriter.Write(_message, _edits, scratch);
        if (written > 0)
        {
            branch.BaseLength = _buffers.Store(ref branch.Base, scratch.AsSpan(0, written));
        }
    }

    private byte[]? _branchBaseScratch;

    /// <summary>Branch <see cref="Transaction.BranchCount"/> of <paramref name="t"/>: the request in hand with our Via, sent and kept.</summary>
    private RouteError SendBranch(Transaction t, ScriptContext context, ReadOnlySpan<byte> destination, ref ProxyCounters c)
    {
        int b = t.BranchCount;
        if (context.TraceId != 0)
        {
            t.TraceId = context.TraceId; // trace(..., "t"): the replies of this transaction are traced too
        }

        TmBranchId.Write(_tmBranchId, _index, t.Index, t.Generation, b);
        _resolvedNameLength = 0;
        int mark = _outgoing.Count;
        RouteError error = TryForward(context, destination, _tmBranchId, ref c);
        if (error != RouteError.None || _outgoing.Count == mark)
        {
            return error == RouteError.None ? RouteError.OutputFull : error;
        }

        int slot = _outgoing.Count - 1;
        ClientBranch branch = _transactions!.EnsureBranch(t, b);
        branch.Reset();
        branch.RequestLength = _buffers.Store(ref branch.Request, _outgoing.Payload(slot));
        if (_resolvedNameLength > 0 && !t.NoDnsFailover)
        {
            KeepFailoverName(branch);
        }

        branch.Destination = _outgoing.Info(slot).Peer;
        branch.Socket = _outgoing.Info(slot).SocketIndex;
        branch.Connection = _outgoing.Info(slot).ConnectionId;
        branch.PreloadedRoute = !context.PreloadedRoute.IsEmpty;
        t.BranchCount = b + 1;
        long now = _clock.NowMs;
        ScheduleBranchRetransmit(t, b, _tm!.T1Ms, now);
        _transactions.Timers.Schedule(t.BranchFinalTimer(b), now + t.FrTimeoutMs);
        return RouteError.None;
    }

    /// <summary>RFC 3841 §9.1: one of the request's Request-Disposition directives is <c>no-cancel</c>.</summary>
    private static bool AsksNoCancel(SipMessage m)
    {
        foreach (HeaderValue v in m.Values(HeaderId.RequestDisposition))
        {
            if (System.Text.Ascii.EqualsIgnoreCase(m.Span(v.Value).Trim((byte)' '), "no-cancel"u8))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Timer A/E (and a CANCEL's E) of branch <paramref name="b"/>, due in <paramref name="intervalMs"/>: only over an
    /// unreliable transport (RFC 3261 §17.1.1.2, §17.1.2.2). Over TCP/TLS/WS the transport delivers or the connection
    /// fails; a resend would be a duplicate, or — once the connection is gone — a connection towards the peer's address.
    /// </summary>
    private void ScheduleBranchRetransmit(Transaction t, int b, int intervalMs, long now)
    {
        ClientBranch branch = t.Branches[b];
        branch.RetransmitMs = intervalMs;
        if (!_identity.Protocol(branch.Socket).IsStream())
        {
            _transactions!.Timers.Schedule(t.BranchRetransmitTimer(b), now + intervalMs);
        }
    }

    /// <summary>No branch could be sent: tm answers itself (unless no-auto-477), as OpenSIPS: 476/477/500 "(…/TM)".</summary>
    private int RelayFailed(Transaction t, ScriptContext context, RouteError error, TmRelayFlags flags, ref ProxyCounters c)
    {
        if (t.BranchCount > 0)
        {
            return 1; // another branch is running
        }

        int code = RouteErrors.ReturnCode(error);
        if (error == RouteError.ResolutionPending)
        {
            return code; // the retransmission will find the answer
        }

        if ((flags & TmRelayFlags.NoAuto477) == 0 && !t.FinalSent)
        {
            ReadOnlySpan<byte> reason = error switch
            {
                RouteError.FlowFailed => "Flow Failed"u8,
                RouteError.Unresolvable => "Unresolvable destination (476/TM)"u8,
                RouteError.OutputFull => "Send failed (477/TM)"u8,
                _ => "No destination available (18/TM)"u8,
            };
            int status = error switch
            {
                RouteError.FlowFailed => 430, // RFC 5626 §5.3: the only flow of the target is gone
                RouteError.Unresolvable => 476,
                RouteError.OutputFull => 477,
                _ => 500,
            };
            if (LocalReply(t, status, reason, default, ref c))
            {
                return 1;
            }
        }

        return code;
    }

    /// <summary>The script's AVPs go with the transaction (OpenSIPS keeps them with it): failure_route sees them again.</summary>
    private void KeepAvps(Transaction t, ScriptContext context)
    {
        ReadOnlySpan<byte> avps = context.SaveAvps();
        t.AvpsLength = avps.IsEmpty ? 0 : _buffers.Store(ref t.Avps, avps);
    }

    /// <summary>t_relay in a failure_route: a new branch (serial forking) from the request as branch 0 carried it, without our old Via.</summary>
    private int RelayFromFailureRoute(ScriptContext context, ReadOnlySpan<byte> destination, ref ProxyCounters c)
    {
        Transaction? t = _tmCurrent;
        if (t is null || t.FinalSent)
        {
            return -1;
        }

        if (t.Cancelled)
        {
            return -3;
        }

        ApplyArms(t);
        if (!_failureViaRemoved)
        {
            int ours = _message.FindHeader(HeaderId.Via);
            if (ours >= 0)
            {
                _edits.RemoveHeader(ours);
            }

            _failureViaRemoved = true;
        }

        _tmEditsMark = _edits.Mark;
        int before = t.BranchCount;
        RouteError error = StartBranches(t, context, destination, ref c, out _);
        return error == RouteError.None || t.BranchCount > before ? 1 : RouteErrors.ReturnCode(error);
    }
}
