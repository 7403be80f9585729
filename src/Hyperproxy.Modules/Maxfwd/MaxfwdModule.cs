using Hyperproxy.Script.Builtins;
using Hyperproxy.Script.Declarations;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Maxfwd;

/// <summary>The maxfwd module (OpenSIPS <c>modules/maxfwd</c>, RFC 3261 §16.6 step 3). Bodies in <c>MaxfwdModule.Process.cs</c>.</summary>
public sealed partial class MaxfwdModule
{
    public const string Name = "maxfwd";

    public MaxfwdModule()
    {
        Exports = new ModuleDeclaration(Name,
        [
            Function("mf_process_maxfwd_header", 1, RouteTypes.Request, ProcessMaxForwards,
                Param("max_value", ParameterKind.Int, Fixups.IntRange(0, 255))),
            Function("is_maxfwd_lt", 1, RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch, IsMaxForwardsLessThan,
                Param("limit", ParameterKind.Int, Fixups.IntRange(0, 255))),
        ],
        [
            Int("max_limit", 256, v => MaxLimit = v, v => v is >= 1 and <= 256 ? null : $"{v} is out of range (1..256)"),
        ]);
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    /// <summary><c>max_limit</c>: the decremented Max-Forwards of a forwarded request never exceeds it.</summary>
    public int MaxLimit { get; private set; }
}
