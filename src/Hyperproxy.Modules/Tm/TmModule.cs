using Hyperproxy.Script.Builtins;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Tm;

/// <summary>
/// The tm module (OpenSIPS <c>modules/tm</c>): transaction-stateful proxying (RFC 3261 §16, §17). Exports
/// below; the bodies are in <see cref="TmFunctions"/> and call the worker's transaction layer
/// (<see cref="ITmHost"/>, implemented by the proxy). The modparams fill one <see cref="TmSettings"/>,
/// handed to the compiled script (<see cref="CompiledScript.UseTransactions"/>).
/// </summary>
public sealed partial class TmModule
{
    public const string Name = "tm";

    /// <summary>t_relay and t_reply: the request route and failure_route (OpenSIPS REQUEST_ROUTE | FAILURE_ROUTE).</summary>
    internal const RouteTypes Relaying = RouteTypes.Request | RouteTypes.Failure;

    /// <summary>Routes that have a transaction in hand or about to be.</summary>
    internal const RouteTypes Arming = RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.OnReply;

    public TmModule()
    {
        Exports = new ModuleDeclaration(Name,
        [
            Function("t_relay", 0, Relaying, TmFunctions.Relay,
                Param("flags", ParameterKind.String, TmFunctions.RelayFlags), Param("proxy", ParameterKind.Format)),
            Function("t_newtran", 0, RouteTypes.Request, TmFunctions.NewTran),
            Function("t_reply", 2, Relaying, TmFunctions.Reply,
                Param("code", ParameterKind.Int, Fixups.StatusCode), Param("reason", ParameterKind.Format)),
            Function("t_check_trans", 0, RouteTypes.Request | RouteTypes.Branch, TmFunctions.CheckTrans),
            Function("t_on_failure", 1, Arming, TmFunctions.OnFailure, RouteParam("route", RouteTypes.Failure)),
            Function("t_on_reply", 1, Arming, TmFunctions.OnReply, RouteParam("route", RouteTypes.OnReply)),
            Function("t_on_branch", 1, RouteTypes.Request | RouteTypes.Failure, TmFunctions.OnBranch, RouteParam("route", RouteTypes.Branch)),
            Function("t_check_status", 1, RouteTypes.Failure | RouteTypes.OnReply | RouteTypes.Request | RouteTypes.Branch,
                TmFunctions.CheckStatus, Param("regex", ParameterKind.Regex)),
            Function("t_was_cancelled", 0, RouteTypes.Failure | RouteTypes.OnReply, TmFunctions.WasCancelled),
            Function("t_local_replied", 1, RouteTypes.Failure | RouteTypes.OnReply | RouteTypes.Request, TmFunctions.LocalReplied,
                Param("type", ParameterKind.String, TmFunctions.LocalRepliedType)),
            Function("t_cancel_branch", 0, RouteTypes.OnReply, TmFunctions.CancelBranch,
                Param("flags", ParameterKind.String, TmFunctions.CancelFlags)),
            Function("t_replicate", 1, RouteTypes.Request | RouteTypes.Failure, TmFunctions.Replicate, Param("uri", ParameterKind.Format)),
        ],
        [
            Int("fr_timeout", 30, v => Settings.FrTimeoutMs = v * 1000, v => v is < 1 or > 86_400 ? "must be 1..86400 seconds" : null),
            Int("fr_inv_timeout", 120, v => Settings.FrInvTimeoutMs = v * 1000, v => v is < 1 or > 86_400 ? "must be 1..86400 seconds" : null),
            Int("T1_timer", 500, v => Settings.T1Ms = v, v => v is < 10 or > 60_000 ? "must be 10..60000 ms" : null),
            Int("T2_timer", 4000, v => Settings.T2Ms = v, v => v is < 10 or > 600_000 ? "must be 10..600000 ms" : null),
            Int("T4_timer", 5000, v => Settings.T4Ms = v, v => v is < 10 or > 600_000 ? "must be 10..600000 ms" : null),
            Int("wt_timer", 5, v => Settings.WaitMs = v * 1000, v => v is < 1 or > 3600 ? "must be 1..3600 seconds" : null),
            Int("delete_timer", 2, v => Settings.DeleteMs = v * 1000, v => v is < 1 or > 3600 ? "must be 1..3600 seconds" : null),
            Int("restart_fr_on_each_reply", 1, v => Settings.RestartFrOnEachReply = v != 0, ZeroOrOne),
            Int("auto_100trying", 1, v => Settings.Auto100Trying = v != 0, ZeroOrOne),
            Int("ruri_matching", 1, v => Settings.RuriMatching = v != 0, ZeroOrOne),
            Int("via1_matching", 1, v => Settings.Via1Matching = v != 0, ZeroOrOne),
            Int("disable_6xx_block", 0, v => Settings.Disable6xxBlock = v != 0, ZeroOrOne),
            Int("enable_stats", 1, _ => { }, ZeroOrOne),
            OnlyDefault("onreply_avp_mode", 0, "the transaction's AVPs reach the failure_route only: onreply routes see the AVPs of the reply in hand"),
            OnlyDefault("pass_provisional_replies", 0, "provisional replies are always relayed upstream (except 100); the provisionals of local UAC transactions (t_uac_dlg) are never relayed"),
            Int("max_transactions", 65_536, v => Settings.MaxTransactionsPerWorker = v, v => v is < 16 or > 4_194_304 ? "must be 16..4194304 per worker" : null),
            String("full_table_policy", "reply", v => Settings.ReplyWhenFull = v != "drop",
                v => v is "reply" or "drop" ? null : "must be \"reply\" (503 Service Unavailable) or \"drop\""),
            Int("overload_control", 1, v => Settings.OverloadControl = v != 0, ZeroOrOne),
            Int("overload_queue_threshold", 50, v => Settings.OverloadQueuePercent = v, v => v is < 1 or > 100 ? "must be 1..100 (percent of the socket's receive buffer)" : null),
            Int("overload_transactions_threshold", 90, v => Settings.OverloadTransactionsPercent = v,
                v => v is < 1 or > 100 ? "must be 1..100 (percent of max_transactions)" : null),
            String("overload_policy", "reply", v => Settings.OverloadReply = v != "drop",
                v => v is "reply" or "drop" ? null : "must be \"reply\" (503 Service Unavailable + Retry-After) or \"drop\""),
            Int("overload_drop_threshold", 90, v => Settings.OverloadDropPercent = v, v => v is < 1 or > 100 ? "must be 1..100 (percent of the socket's receive buffer)" : null),
            Int("overload_kernel_shed", 1, v => Settings.OverloadKernelShed = v != 0, ZeroOrOne),
            Int("overload_retry_after", 5, v => Settings.OverloadRetryAfterSeconds = v, v => v is < 0 or > 86_400 ? "must be 0..86400 seconds (0: no Retry-After)" : null),
        ])
        {
            MiCommands = UacMiCommands(),
            PseudoVariables =
            [
                new PseudoVariableDeclaration("T_reply_code", PseudoVariableArgument.None, writable: false),
                new PseudoVariableDeclaration("T_reply_reason", PseudoVariableArgument.None, writable: false),
                new PseudoVariableDeclaration("T_branch_idx", PseudoVariableArgument.None, writable: false),
                new PseudoVariableDeclaration("T_ruri", PseudoVariableArgument.None, writable: false),
                new PseudoVariableDeclaration("T_fr_timeout", PseudoVariableArgument.None, writable: true),
                new PseudoVariableDeclaration("T_fr_inv_timeout", PseudoVariableArgument.None, writable: true),
            ],
        };
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    /// <summary>What the modparams set; handed to the compiled script when it loads tm.</summary>
    public TmSettings Settings { get; } = new();

    /// <summary>Hands the settings to a compiled script that loads tm (the proxy then keeps transactions).</summary>
    public void Bind(CompiledScript script)
    {
        if (script.Program.IsModuleLoaded(Name))
        {
            script.UseTransactions(Settings);
        }
    }

    private static string? ZeroOrOne(int v) => v is 0 or 1 ? null : "must be 0 or 1";
}
