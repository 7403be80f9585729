using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Sip;

namespace Hyperproxy.Proxy.Transactions;

/// <summary>Where the server side of a transaction is (RFC 3261 §17.2.1, §17.2.2).</summary>
public enum ServerState : byte
{
    Proceeding,
    /// <summary>A final reply went upstream (INVITE non-2xx: retransmitted until the ACK, Timer G/H).</summary>
    Completed,
    /// <summary>The ACK arrived (INVITE) — absorbing retransmissions until the wait timer.</summary>
    Confirmed,
    /// <summary>Waiting out wt_timer; freed when it fires.</summary>
    Waiting,
}

/// <summary>
/// One proxied transaction (pooled per worker, reused): the server transaction towards the caller with its
/// last reply (retransmitted on request retransmissions, byte for byte), and up to <see cref="MaxBranches"/>
/// client branches. Owned by one worker; never touched by another thread.
/// </summary>
public sealed class Transaction
{
    /// <summary>OpenSIPS's bound on branches per transaction.</summary>
    public const int MaxBranches = 12;

    /// <summary>
    /// A slot as the table creates it: its two upstream timers (retransmit G, wait H/I/J/wt) are
    /// <paramref name="timerBase"/> and the next id; a branch brings two of its own when it is first used
    /// (<see cref="TransactionTable.EnsureBranch"/>), so a transaction costs the timers and branch objects it uses.
    /// </summary>
    public Transaction(int index, int timerBase)
    {
        Index = index;
        TimerBase = timerBase;
    }

    public int Index { get; }

    /// <summary>The first of this slot's two timer ids in the table's wheel.</summary>
    public int TimerBase { get; }

    /// <summary>Timer G: the INVITE's negative final retransmitted upstream.</summary>
    public int UasRetransmitTimer => TimerBase;

    /// <summary>Timer H / the wait timer (wt_timer) that frees the transaction.</summary>
    public int UasWaitTimer => TimerBase + 1;

    /// <summary>Timer A/E of branch <paramref name="branch"/> (and its CANCEL's E).</summary>
    public int BranchRetransmitTimer(int branch) => Branches[branch].TimerBase;

    /// <summary>Timer B/F/C of branch <paramref name="branch"/>.</summary>
    public int BranchFinalTimer(int branch) => Branches[branch].TimerBase + 1;

    /// <summary>Bumped every time the slot is reused: a reply naming an old generation matches nothing.</summary>
    public int Generation;

    public bool InUse;

    /// <summary>The matching key of the request that created it (branch, sent-by, method class; or the RFC 2543 key).</summary>
    public ulong Key;

    /// <summary>Next transaction in the same hash bucket, -1 at the end.</summary>
    public int NextInBucket = -1;

    public SipMethod Method;

    /// <summary>The request as received (local replies are built from it).</summary>
    public byte[]? Request;
    public int RequestLength;
    public NetAddress Source;
    public int Socket;
    public bool RportForced;

    /// <summary>The last reply sent upstream, exactly as sent.</summary>
    public byte[]? Reply;
    public int ReplyLength;
    public int ReplyCode;
    public NetAddress ReplyDestination;
    public int ReplySocket;
    public bool LastReplyLocal;
    public bool AllRepliesLocal = true;

    /// <summary>The script's AVPs as t_relay left them (<see cref="Script.Runtime.ScriptContext.SaveAvps"/>), restored for failure_route.</summary>
    public byte[]? Avps;
    public int AvpsLength;

    /// <summary>RFC 5626 §5.3: the other flows of the instances in the target set, each keyed by the branch it stands in for.</summary>
    public byte[]? Flows;
    public int FlowsLength;

    public ServerState State;
    public int UasRetransmitMs;

    /// <summary>
    /// The branches this slot has used so far (grown by <see cref="TransactionTable.EnsureBranch"/>, kept on reuse);
    /// the first <see cref="BranchCount"/> belong to the transaction in the slot now.
    /// </summary>
    public ClientBranch[] Branches = new ClientBranch[1];

    /// <summary>Branch objects created in this slot (≤ <see cref="Branches"/>' length).</summary>
    public int BranchesCreated;

    public int BranchCount;

    /// <summary>The branch whose final is the best so far (the one relayed, or handed to failure_route).</summary>
    public int BestBranch = -1;

    public RouteNode? OnFailure;
    public RouteNode? OnReply;
    public RouteNode? OnBranch;

    public bool Cancelled;

    /// <summary>t_relay("pass-reason-hdr") on the CANCEL: the caller's Reason header lines, for the CANCELs tm sends
    /// down (now, or at a branch's first provisional).</summary>
    public byte[]? CancelReason;
    public int CancelReasonLength;

    /// <summary>A 6xx (or a 2xx) ended forking: no new branch may start.</summary>
    public bool NoNewBranches;

    /// <summary>t_relay("allow-no-cancel") and the INVITE's <c>Request-Disposition: no-cancel</c> (RFC 3841): a 2xx leaves
    /// the other branches running.</summary>
    public bool NoCancelOn2xx;

    /// <summary>t_relay("no-dns-failover"): a branch whose name had further addresses is not tried on the next one.</summary>
    public bool NoDnsFailover;

    public int FrTimeoutMs;

    /// <summary>tracer scope t: 1 + the trace_id index this transaction is traced to (0: not traced).</summary>
    public int TraceId;
    public int FrInvTimeoutMs;

    public bool IsInvite => Method == SipMethod.Invite;

    /// <summary>A final reply went upstream.</summary>
    public bool FinalSent => ReplyCode >= 200;

    /// <summary>Every branch has a final (or was never started).</summary>
    public bool AllBranchesFinal
    {
        get
        {
            for (int i = 0; i < BranchCount; i++)
            {
                if (!Branches[i].Final)
                {
                    return false;
                }
            }

            return true;
        }
    }

    public void Reset()
    {
        TraceId = 0;
        Key = 0;
        NextInBucket = -1;
        Method = SipMethod.Unknown;
        RequestLength = 0;
        Source = default;
        Socket = 0;
        RportForced = false;
        ReplyLength = 0;
        AvpsLength = 0;
        FlowsLength = 0;
        ReplyCode = 0;
        ReplyDestination = default;
        ReplySocket = 0;
        LastReplyLocal = false;
        AllRepliesLocal = true;
        State = ServerState.Proceeding;
        UasRetransmitMs = 0;
        for (int i = 0; i < BranchCount; i++)
        {
            Branches[i].Reset();
        }

        BranchCount = 0;
        BestBranch = -1;
        OnFailure = null;
        OnReply = null;
        OnBranch = null;
        Cancelled = false;
        CancelReasonLength = 0;
        NoNewBranches = false;
        NoCancelOn2xx = false;
        NoDnsFailover = false;
    }

    public void ReturnBuffers(BufferPool pool)
    {
        pool.Return(Request);
        pool.Return(Reply);
        pool.Return(Avps);
        pool.Return(Flows);
        pool.Return(CancelReason);
        Request = null;
        Reply = null;
        Avps = null;
        Flows = null;
        CancelReason = null;
        for (int i = 0; i < BranchesCreated; i++)
        {
            Branches[i].ReturnBuffers(pool);
        }
    }
}
