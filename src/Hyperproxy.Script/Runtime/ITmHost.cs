
namespace Hyperproxy.Script.Runtime;

/// <summary>Which tm route a script arms with t_on_failure / t_on_reply / t_on_branch.</summary>
public enum TmRouteKind
{
    Failure,
    Reply,
    Branch,
}

/// <summary>
/// The transaction layer the tm module's functions drive (RFC 3261 §16, §17): a host that keeps
/// transactions implements it next to <see cref="IScriptHost"/>. Every call happens on the worker's
/// thread while a route runs. Results follow the script's truth rule (0 stops the script).
/// </summary>
public interface ITmHost
{
    /// <summary>t_relay([flags][, dest]): creates the transaction if needed and forwards on every branch.</summary>
    int TRelay(ScriptContext context, TmRelayFlags flags, ReadOnlySpan<byte> destination);

    /// <summary>t_newtran(): 1 new, 0 retransmission (last reply re-sent), negative on error.</summary>
    int TNewTran(ScriptContext context);

    /// <summary>
    /// A transaction is bound to the message in hand (t_newtran/t_relay/t_reply created or found it, or a failure route
    /// runs for it): OpenSIPS's <c>t_gett()</c> neither NULL nor T_UNDEFINED. Replies of the signaling API (send_reply,
    /// auth's challenges) then go through <see cref="TReply"/>.
    /// </summary>
    bool THasTransaction(ScriptContext context);

    /// <summary>t_reply(code, reason): a stateful reply, creating the transaction if needed.</summary>
    int TReply(ScriptContext context, int code, ReadOnlySpan<byte> reason);

    /// <summary>t_check_trans() as OpenSIPS: CANCEL/ACK/other-method rules of the tm spec §3.2.</summary>
    int TCheckTrans(ScriptContext context);

    /// <summary>t_on_failure / t_on_reply / t_on_branch: arms <paramref name="route"/> for the current or next transaction.</summary>
    void TArm(ScriptContext context, TmRouteKind kind, Syntax.RouteDefinition route);

    /// <summary>t_was_cancelled(): the transaction in hand was cancelled by the caller.</summary>
    bool TWasCancelled(ScriptContext context);

    /// <summary>t_local_replied("all"|"last"): every / the last reply sent upstream was generated here.</summary>
    bool TLocalReplied(ScriptContext context, bool all);

    /// <summary>t_cancel_branch(): cancels the branch in hand (onreply_route), or with <paramref name="others"/> all the others, or all pending.</summary>
    int TCancelBranch(ScriptContext context, bool all, bool others);

    /// <summary>t_replicate(uri): a statefully forwarded copy of the request to <paramref name="destination"/>, no reply relayed.</summary>
    int TReplicate(ScriptContext context, ReadOnlySpan<byte> destination);

    /// <summary>The status of the reply in hand for the transaction (onreply/failure route), 0 when none.</summary>
    int TReplyCode(ScriptContext context);

    /// <summary><c>$T_reply_reason</c>.</summary>
    ReadOnlySpan<byte> TReplyReason(ScriptContext context);

    /// <summary><c>$T_branch_idx</c>: the branch in hand, or -1.</summary>
    int TBranchIndex(ScriptContext context);

    /// <summary><c>$T_ruri</c>: the Request-URI of the branch in hand (failure route: the winning branch).</summary>
    ReadOnlySpan<byte> TRequestUri(ScriptContext context);

    /// <summary><c>$T_fr_timeout</c> / <c>$T_fr_inv_timeout</c> of the transaction in hand (seconds).</summary>
    int TTimeout(ScriptContext context, bool invite);

    /// <summary>Sets <c>$T_fr_timeout</c> / <c>$T_fr_inv_timeout</c> for the transaction in hand (or the next one).</summary>
    bool TSetTimeout(ScriptContext context, bool invite, int seconds);
}

/// <summary>t_relay's flags (OpenSIPS 3.x names).</summary>
[Flags]
public enum TmRelayFlags
{
    None = 0,
    NoAuto477 = 1,
    /// <summary>Accepted: a next hop is one address, there is no DNS failover to turn off.</summary>
    NoDnsFailover = 2,
    /// <summary>Hyperproxy: no automatic 100 Trying for this INVITE (Kamailio's 0x01 of t_relay).</summary>
    No100 = 16,

    /// <summary>pass-reason-hdr (0x08), on the t_relay of a CANCEL: the CANCELs tm sends down carry the caller's Reason
    /// headers (RFC 3326) instead of tm's own.</summary>
    PassReasonHeader = 32,

    /// <summary>allow-no-cancel (0x10), on the t_relay of an INVITE: when the INVITE asks <c>Request-Disposition:
    /// no-cancel</c> (RFC 3841 §9.1), a 2xx does not cancel the other branches.</summary>
    AllowNoCancel = 64,
}
