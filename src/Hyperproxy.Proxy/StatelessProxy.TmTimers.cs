using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// tm's timers on the owning worker (<see cref="ITimerHandler"/>): request retransmissions (Timer A/E, T1
/// doubling up to T2, as OpenSIPS also for INVITE), final-response timers (B/F = fr_timeout, C = fr_inv_timeout:
/// CANCEL down and a 408 for that branch), the upstream retransmission of an INVITE's negative final (G) until
/// its ACK or Timer H (fr_timeout), and the wait timer (wt_timer) that frees a transaction. Plus the replies other
/// workers handed over, drained on every turn.
/// </summary>
public sealed partial class StatelessProxy
{
    private bool _inTimer;

    public int MillisecondsUntilDue()
    {
        int due = Math.Min(TmMillisecondsUntilDue(), UacMillisecondsUntilDue());
        if (_pingRing is not null)
        {
            int ping = _pingRing.IsEmpty ? PingPollMs : 0;
            due = Math.Min(due, ping);
        }

        return due;
    }

    public void OnTimer(DatagramBatch outgoing)
    {
        if (_pingRing is not null)
        {
            SendPings(outgoing);
        }

        if (_uacRing is not null)
        {
            StartUacs(outgoing);
        }

        TmOnTimer(outgoing);
    }

    private int TmMillisecondsUntilDue()
    {
        if (_transactions is null)
        {
            return int.MaxValue;
        }

        if ((_hub is not null && HasHandoffs()) || HasConnectFailures)
        {
            return 0;
        }

        int due = _transactions.Timers.MillisecondsUntilNextTick(_clock.NowMs);
        if (_hub is not null && _transactions.Count > 0 && due > TransactionHub.HandoffPollMs)
        {
            due = TransactionHub.HandoffPollMs; // a reply for one of ours may wait in another worker's ring
        }

        return due;
    }

    private void TmOnTimer(DatagramBatch outgoing)
    {
        if (_transactions is null)
        {
            return;
        }

        _outgoing = outgoing;
        DrainHandoffs(outgoing);
        var sink = new TimerSink(this);
        _inTimer = true;
        try
        {
            DrainConnectFailures();
            _transactions.Timers.Advance(_clock.NowMs, ref sink);
        }
        finally
        {
            _inTimer = false;
        }
    }

    private readonly struct TimerSink : ITimerSink
    {
        private readonly StatelessProxy _proxy;

        public TimerSink(StatelessProxy proxy) => _proxy = proxy;

        public void Fire(int id) => _proxy.FireTimer(id);
    }

    private void FireTimer(int id)
    {
        TransactionTable table = _transactions!;
        Transaction t = table.TimerOwner(id, out int b);
        if (!t.InUse)
        {
            return;
        }

        ref ProxyCounters c = ref _counters[_index];
        long now = _clock.NowMs;
        BeginTm();
        _tmCurrent = t;
        _context.TraceId = t.TraceId; // tracer scope t: what a timer sends for a traced transaction (a 408) is traced too
        if (id == t.UasRetransmitTimer)
        {
            if (t.State == ServerState.Completed && t.ReplyLength > 0)
            {
                if (_outgoing.TryAdd(t.Reply.AsSpan(0, t.ReplyLength), t.ReplyDestination, t.ReplySocket))
                {
                    c.TmRetransmissionsSent++;
                }

                t.UasRetransmitMs = Math.Min(t.UasRetransmitMs * 2, _tm!.T2Ms);
                table.Timers.Schedule(id, now + t.UasRetransmitMs);
            }

            return;
        }

        if (id == t.UasWaitTimer)
        {
            if (t.State == ServerState.Completed)
            {
                EnterWait(t, now); // Timer H: no ACK came
                return;
            }

            if (!t.AllBranchesFinal && t.State == ServerState.Waiting && HasLiveCancel(t))
            {
                table.Timers.Schedule(id, now + _tm!.DeleteMs); // a cancelled branch is still finishing
                return;
            }

            if (!t.FinalSent && !t.AllBranchesFinal)
            {
                table.Timers.Schedule(id, now + _tm!.DeleteMs);
                return;
            }

            table.Remove(t);
            c.TmInUse = table.Count;
            return;
        }

        if ((uint)b >= (uint)t.BranchCount)
        {
            return;
        }

        ClientBranch branch = t.Branches[b];
        if ((id & 1) == 0)
        {
            // Timer A/E (and our CANCEL's E).
            ReadOnlySpan<byte> bytes = branch.CancelSent && !branch.CancelAnswered ? branch.Cancel.AsSpan(0, branch.CancelLength)
                : !branch.Final && !(t.IsInvite && branch.GotProvisional) ? branch.Request.AsSpan(0, branch.RequestLength)
                : default;
            if (bytes.IsEmpty)
            {
                return;
            }

            if (_outgoing.TryAdd(bytes, branch.Destination, branch.Socket, branch.Connection))
            {
                c.TmRetransmissionsSent++;
            }

            ScheduleBranchRetransmit(t, b, branch.GotProvisional && !t.IsInvite ? _tm!.T2Ms : Math.Min(branch.RetransmitMs * 2, _tm!.T2Ms), now);
            return;
        }

        // Timer B/F/C: no final on this branch.
        if (branch.Final)
        {
            return;
        }

        c.TmTimeouts++;
        FailBranch(t, b, 408, ref c);
    }

    /// <summary>
    /// Branch <paramref name="b"/> ended without a final reply: Timer B/F/C (<paramref name="code"/> 408), or a transport
    /// error (503, RFC 3261 §16.9: as if the next hop had answered 503). With no reply at all from the address, a name's
    /// next address gets the request (RFC 3263 §4.3); else a branch that rang is CANCELled, the branch is final with
    /// <paramref name="code"/>, and once every branch is final the best reply goes up (failure_route first).
    /// </summary>
    private void FailBranch(Transaction t, int b, int code, ref ProxyCounters c)
    {
        TransactionTable table = _transactions!;
        ClientBranch branch = t.Branches[b];
        if (!branch.GotProvisional && branch.FailoverHostLength > 0 && !branch.CancelSent)
        {
            // RFC 3263 §4.3: no reply at all from this address: the name's next address gets the request.
            table.Timers.Cancel(t.BranchRetransmitTimer(b));
            if (TryDnsFailover(t, b, ref c))
            {
                branch.Final = true;
                branch.LastCode = code;
                branch.FinalReplyLength = 0;
                return;
            }
        }

        if (t.IsInvite && branch.GotProvisional && !branch.CancelSent)
        {
            SendCancel(t, b, ReasonNoAnswer, ref c);
        }
        else if (!branch.CancelSent)
        {
            table.Timers.Cancel(t.BranchRetransmitTimer(b));
        }

        branch.Final = true;
        branch.LastCode = code;
        branch.FinalReplyLength = 0;
        if (_uacGenerations.Length != 0 && TryUacTimeout(t, code, ref c))
        {
            return; // a transaction this worker originated: tm's 408 (or 503) is its answer
        }

        if (!t.FinalSent && t.AllBranchesFinal)
        {
            CompleteNegative(t, ref c);
        }
    }

    private static bool HasLiveCancel(Transaction t)
    {
        for (int i = 0; i < t.BranchCount; i++)
        {
            ClientBranch b = t.Branches[i];
            if (!b.Final && (b.CancelSent || b.CancelPending))
            {
                return true;
            }
        }

        return false;
    }

    // ---- hand-off between workers ----

    private bool HasHandoffs()
    {
        TransactionHub hub = _hub!;
        for (int p = 0; p < hub.Workers; p++)
        {
            if (p != _index && hub.Queue(p, _index).HasItems)
            {
                return true;
            }
        }

        return false;
    }

    private void HandOff(int owner, ReadOnlySpan<byte> datagram, in NetAddress source, int socket, ref ProxyCounters c)
    {
        if (_hub is null || (uint)owner >= (uint)_hub.Workers)
        {
            c.RepliesDropped++; // a branch of ours naming a worker this server does not have: a reply from an old run
            return;
        }

        if (_hub.Queue(_index, owner).TryEnqueue(datagram, source, socket))
        {
            c.TmHandoffsSent++;
        }
        else
        {
            c.TmHandoffDrops++; // the ring is full: the sender's retransmission comes again
        }
    }

    /// <summary>A datagram another worker handed over is in hand: it is not handed on again.</summary>
    private bool _inHandoff;

    /// <summary>
    /// A CANCEL or ACK whose INVITE transaction this worker does not hold, while another worker seems to (SO_REUSEPORT
    /// spreads by 4-tuple: a CANCEL from another source port than its INVITE's often lands elsewhere): the datagram
    /// goes to that worker through the same ring as replies, and the script runs there, where t_check_trans and
    /// t_relay find the transaction. The other workers' tables are only read (<see cref="TransactionTable.MayHoldInvite"/>,
    /// a hint the owner checks again); nothing locks. False: handle it here.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private bool HandRequestToOwner(in NetAddress source, int socket, ref ProxyCounters c)
    {
        TransactionTable? own = _transactions;
        TransactionHub hub = _hub!;
        if (own is null || hub.Workers < 2)
        {
            return false;
        }

        ulong key = ServerKey(_message, asInvite: true);
        if (own.Find(key) is not null)
        {
            return false;
        }

        for (int w = 0; w < hub.Workers; w++)
        {
            if (w != _index && hub.Table(w) is { } table && table.MayHoldInvite(key))
            {
                c.TmRequestHandoffs++;
                HandOff(w, _message.Bytes, source, socket, ref c);
                return true;
            }
        }

        return false;
    }

    /// <summary>Handles every reply other workers handed to this one (its transactions), as if it had arrived here.</summary>
    private void DrainHandoffs(DatagramBatch outgoing)
    {
        if (_hub is null)
        {
            return;
        }

        ref ProxyCounters c = ref _counters[_index];
        for (int p = 0; p < _hub.Workers; p++)
        {
            if (p == _index)
            {
                continue;
            }

            HandoffQueue queue = _hub.Queue(p, _index);
            // Bounded: what fits in this turn's outgoing batch (each reply may send up to three datagrams).
            while (outgoing.Capacity - outgoing.Count >= 3 && queue.TryPeek(out byte[] buffer, out int offset, out int length, out NetAddress source, out int socket))
            {
                c.TmHandoffsReceived++;
                int mark = outgoing.Count;
                _inHandoff = true;
                try
                {
                    Process(buffer, offset, length, source, socket, outgoing);
                }
                catch (Exception e)
                {
                    outgoing.TruncateTo(mark);
                    Fault(e);
                }
                finally
                {
                    _inHandoff = false;
                }

                queue.Release();
            }
        }
    }
}
