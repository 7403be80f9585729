using Hyperproxy.Modules.Sl;
using Hyperproxy.Script.Builtins;
using Hyperproxy.Script.Declarations;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Signaling;

/// <summary>
/// The signaling module (OpenSIPS <c>modules/signaling</c>): send_reply() replies statefully when tm
/// holds a transaction and statelessly otherwise; without tm it is sl_send_reply().
/// </summary>
public sealed class SignalingModule
{
    public const string Name = "signaling";

    public SignalingModule()
    {
        Exports = new ModuleDeclaration(Name,
        [
            Function("send_reply", 2, SlModule.Replying | RouteTypes.Failure, SlReplies.SignalingReply,
                Param("code", ParameterKind.Int, Fixups.StatusCode), Param("reason", ParameterKind.Format)),
        ],
        []);
    }

    public ModuleDeclaration Exports { get; }
}
