namespace Hyperproxy.Script.Runtime;

/// <summary>
/// tm's settings as the script's modparams set them (OpenSIPS units converted to milliseconds), read by the
/// transaction layer of every worker. Written once at start-up, read-only after.
/// </summary>
public sealed class TmSettings
{
    /// <summary>fr_timeout: no final reply on a branch (Timer B/F), and Timer H upstream.</summary>
    public int FrTimeoutMs { get; set; } = 30_000;

    /// <summary>fr_inv_timeout: an INVITE branch that gave a provisional but no final (Timer C).</summary>
    public int FrInvTimeoutMs { get; set; } = 120_000;

    public int T1Ms { get; set; } = 500;

    public int T2Ms { get; set; } = 4_000;

    public int T4Ms { get; set; } = 5_000;

    /// <summary>wt_timer: how long a completed transaction absorbs retransmissions.</summary>
    public int WaitMs { get; set; } = 5_000;

    /// <summary>delete_timer: retry delay before a transaction still referenced is freed.</summary>
    public int DeleteMs { get; set; } = 2_000;

    public bool RestartFrOnEachReply { get; set; } = true;

    public bool Auto100Trying { get; set; } = true;

    public bool RuriMatching { get; set; } = true;

    public bool Via1Matching { get; set; } = true;

    /// <summary>disable_6xx_block: 0 (false) = a 6xx ends the transaction and cancels the other branches.</summary>
    public bool Disable6xxBlock { get; set; }

    /// <summary>Transactions one worker may hold at once (Hyperproxy's bound; a request beyond it is answered 503).</summary>
    public int MaxTransactionsPerWorker { get; set; } = 65_536;

    /// <summary>The table is full: true = answer 503 (with Retry-After), false = drop the request.</summary>
    public bool ReplyWhenFull { get; set; } = true;

    /// <summary>overload_control: admission control of new INVITEs while the worker is behind (on by default).</summary>
    public bool OverloadControl { get; set; } = true;

    /// <summary>overload_queue_threshold: the worker is behind once a receive leaves its socket's receive buffer at least this
    /// full (percent); it is caught up again once the queue is under half of it (a receive that drains it, included).</summary>
    public int OverloadQueuePercent { get; set; } = 50;

    /// <summary>overload_transactions_threshold: new INVITEs are refused while the worker holds at least this share (percent)
    /// of max_transactions, keeping the rest for the requests of calls already admitted (100: only a full table refuses).</summary>
    public int OverloadTransactionsPercent { get; set; } = 90;

    /// <summary>overload_policy: true ("reply") = a refused INVITE gets a stateless 503 with Retry-After, false ("drop") = nothing.</summary>
    public bool OverloadReply { get; set; } = true;

    /// <summary>overload_drop_threshold: while a receive leaves at least this share (percent) of the socket's buffer queued,
    /// refused INVITEs are dropped even under the "reply" policy (the 503 and its ACK are work too); 100: never.</summary>
    public int OverloadDropPercent { get; set; } = 90;

    /// <summary>overload_kernel_shed: while new INVITEs are being refused, have the kernel drop a measured share of the INVITEs
    /// before they reach the worker (a socket filter), so that the refusals the worker still makes cost it little.</summary>
    public bool OverloadKernelShed { get; set; } = true;

    /// <summary>overload_retry_after: the 503's Retry-After (seconds); 0 = no Retry-After header.</summary>
    public int OverloadRetryAfterSeconds { get; set; } = 5;
}
