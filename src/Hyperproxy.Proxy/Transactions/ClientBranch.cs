using Hyperproxy.Sip;

namespace Hyperproxy.Proxy.Transactions;

/// <summary>One branch of a transaction: the client transaction towards one destination (RFC 3261 §17.1).</summary>
public sealed class ClientBranch
{
    public ClientBranch(int timerBase) => TimerBase = timerBase;

    /// <summary>The first of this branch's two timer ids (retransmit A/E, final B/F/C) in the table's wheel.</summary>
    public int TimerBase { get; }

    /// <summary>The request exactly as sent (retransmissions resend these bytes; CANCEL/ACK are built from them).</summary>
    public byte[]? Request;
    public int RequestLength;
    /// <summary>
    /// When a branch_route edited headers: the request as sent without those edits (a failure_route and the branches
    /// derived from this one start from it). Empty otherwise: <see cref="Request"/> is the base then.
    /// </summary>
    public byte[]? Base;
    public int BaseLength;

    public NetAddress Destination;

    /// <summary>
    /// The next hop was a name (RFC 3263 §4.3): the name, its port and the index of the address to try next when this
    /// branch fails (503, no reply at all). Empty for an address.
    /// </summary>
    public byte[]? FailoverHost;
    public int FailoverHostLength;
    public int FailoverPort;
    public Hyperproxy.Proxy.Dns.NextHopMode FailoverMode;
    public int FailoverNext;
    public int Socket;

    /// <summary>
    /// The stream connection the request went out on as the transport was told (0: any to <see cref="Destination"/>;
    /// negative: an RFC 5626 flow, that connection only). Its CANCEL and ACK go the same way.
    /// </summary>
    public long Connection;

    /// <summary>The last status received (or faked: 408 on timeout), 0 = none yet.</summary>
    public int LastCode;

    public bool Final;
    public bool GotProvisional;

    /// <summary>The request carried a pre-loaded Route line (lookup()'s Path): a retry down another flow takes it off.</summary>
    public bool PreloadedRoute;

    /// <summary>RFC 5626 §5.3: this branch's flow failed (430) and another flow of the instance took over; its reply is not a candidate.</summary>
    public bool Superseded;

    /// <summary>A CANCEL is wanted as soon as a provisional arrives (RFC 9.1: never before).</summary>
    public bool CancelPending;

    /// <summary>Why the pending CANCEL is wanted: the Reason it will carry (RFC 3326).</summary>
    public CancelCause PendingCause;

    /// <summary>Our CANCEL went out (its bytes in <see cref="Cancel"/>, retransmitted until answered).</summary>
    public bool CancelSent;
    public bool CancelAnswered;

    /// <summary>The final reply (≥300) as received, kept for the best-response choice (RFC 3261 §16.7); null when faked.</summary>
    public byte[]? FinalReply;
    public int FinalReplyLength;

    public byte[]? Cancel;
    public int CancelLength;

    /// <summary>The current retransmission interval (Timer A/E; the CANCEL's Timer E).</summary>
    public int RetransmitMs;

    public void Reset()
    {
        RequestLength = 0;
        BaseLength = 0;
        FailoverHostLength = 0;
        Destination = default;
        Socket = 0;
        Connection = 0;
        LastCode = 0;
        Final = false;
        GotProvisional = false;
        PreloadedRoute = false;
        Superseded = false;
        CancelPending = false;
        PendingCause = CancelCause.Originator;
        CancelSent = false;
        CancelAnswered = false;
        FinalReplyLength = 0;
        CancelLength = 0;
        RetransmitMs = 0;
    }

    public void ReturnBuffers(BufferPool pool)
    {
        pool.Return(Request);
        pool.Return(FinalReply);
        pool.Return(Cancel);
        pool.Return(Base);
        pool.Return(FailoverHost);
        FailoverHost = null;
        Request = null;
        Base = null;
        FinalReply = null;
        Cancel = null;
    }
}

/// <summary>Why tm cancels a branch, i.e. the Reason header of its CANCEL (RFC 3326).</summary>
public enum CancelCause : byte
{
    /// <summary>The caller's CANCEL: <c>cause=487;text="ORIGINATOR_CANCEL"</c>, or the caller's own Reason with pass-reason-hdr.</summary>
    Originator,

    /// <summary>Another branch answered 2xx: <c>cause=200;text="Call completed elsewhere"</c>.</summary>
    Completed,

    /// <summary>Timer C ran out: <c>cause=480;text="NO_ANSWER"</c>.</summary>
    NoAnswer,
}
