using Hyperproxy.Script.Builtins;
using Hyperproxy.Script.Declarations;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Sl;

/// <summary>The sl module (OpenSIPS <c>modules/sl</c>): stateless replies. Exports below; bodies in <see cref="SlReplies"/>.</summary>
public sealed class SlModule
{
    public const string Name = "sl";

    /// <summary>Blocks where a stateless reply can be sent.</summary>
    internal const RouteTypes Replying = RouteTypes.Request | RouteTypes.Error;

    public SlModule()
    {
        Exports = new ModuleDeclaration(Name,
        [
            Function("sl_send_reply", 2, Replying, SlReplies.SendReply,
                Param("code", ParameterKind.Int, Fixups.StatusCode), Param("reason", ParameterKind.Format)),
            Function("sl_reply_error", 0, Replying, SlReplies.ReplyError),
        ],
        [
            OnlyDefault("enable_stats", 0, "sl keeps no statistics of its own; the core's ($stat(rcv_requests), err_requests, ...) count every message"),
        ]);
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }
}
