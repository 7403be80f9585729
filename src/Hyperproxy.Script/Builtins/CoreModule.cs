using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime.Functions;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Script.Builtins;

/// <summary>
/// The core's export table: the core functions (OpenSIPS <c>core_cmds.c</c>), bodies in <see cref="CoreFunctions"/>. <c>exit</c>, <c>drop</c>, <c>return</c>
/// and <c>route</c> are statements/built into the binder, not functions.
/// </summary>
public static class CoreModule
{
    private const RouteTypes RequestLike = RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch;
    private const RouteTypes Forwarding = RequestLike | RouteTypes.OnReply;

    public static ModuleDeclaration Create()
    {
        var uri = Param("uri", ParameterKind.Format);
        FunctionDeclaration[] functions =
        [
            Function("forward", 0, Forwarding, CoreFunctions.Forward, Param("destination", ParameterKind.Format, Fixups.Destination)),
            Function("send", 1, Forwarding, CoreFunctions.Send, Param("destination", ParameterKind.Format, Fixups.Destination), Param("headers", ParameterKind.Format)),
            new("xlog", 1, [Param("level_or_format", ParameterKind.Format), Param("format", ParameterKind.Format)], RouteTypes.All)
            {
                CallCheck = XlogCheck,
                Body = CoreFunctions.Xlog,
            },
            Function("log", 1, RouteTypes.All, CoreFunctions.Log, Param("level_or_text", ParameterKind.Any), Param("text", ParameterKind.String)),
            Function("force_rport", 0, RouteTypes.Request | RouteTypes.Branch | RouteTypes.Failure, CoreFunctions.ForceRport),
            Function("force_tcp_alias", 0, RouteTypes.Request | RouteTypes.Branch | RouteTypes.Failure, CoreFunctions.ForceTcpAlias,
                Param("port", ParameterKind.Int, Fixups.IntRange(1, 65535))),
            Function("add_local_rport", 0, RouteTypes.Request | RouteTypes.Branch | RouteTypes.Failure, CoreFunctions.AddLocalRport),
            Function("force_send_socket", 1, Forwarding, CoreFunctions.ForceSendSocket, Param("socket", ParameterKind.String, Fixups.Socket)),
            Function("is_myself", 1, RouteTypes.All, CoreFunctions.IsMyself, Param("host", ParameterKind.Format), Param("port", ParameterKind.Int, Fixups.IntRange(0, 65535))),
            Function("seturi", 1, RequestLike, CoreFunctions.SetUri, uri),
            Function("rewriteuri", 1, RequestLike, CoreFunctions.SetUri, uri),
            Function("sethost", 1, RequestLike, CoreFunctions.SetHost, Param("host", ParameterKind.Format)),
            Function("sethostport", 1, RequestLike, CoreFunctions.SetHostPort, Param("hostport", ParameterKind.Format)),
            Function("setuser", 1, RequestLike, CoreFunctions.SetUser, Param("user", ParameterKind.Format)),
            Function("setport", 1, RequestLike, CoreFunctions.SetPort, Param("port", ParameterKind.Format)),
            Function("prefix", 1, RequestLike, CoreFunctions.Prefix, Param("prefix", ParameterKind.Format)),
            Function("strip", 1, RequestLike, CoreFunctions.Strip, Param("count", ParameterKind.Int, Fixups.IntRange(0, int.MaxValue))),
            Function("strip_tail", 1, RequestLike, CoreFunctions.StripTail, Param("count", ParameterKind.Int, Fixups.IntRange(0, int.MaxValue))),
            Function("revert_uri", 0, RequestLike, CoreFunctions.RevertUri),
            Function("setdsturi", 1, RequestLike, CoreFunctions.SetDestinationUri, uri),
            Function("resetdsturi", 0, RequestLike, CoreFunctions.ResetDestinationUri),
            Function("isdsturiset", 0, RequestLike, CoreFunctions.IsDestinationUriSet),
            Function("append_branch", 0, RouteTypes.Request | RouteTypes.Failure, CoreFunctions.AppendBranch, uri, Param("q", ParameterKind.Format)),
            Function("set_advertised_address", 1, Forwarding, CoreFunctions.SetAdvertisedAddress, Param("address", ParameterKind.Format)),
            Function("set_advertised_port", 1, Forwarding, CoreFunctions.SetAdvertisedPort, Param("port", ParameterKind.Format)),
            Function("setflag", 1, RouteTypes.All, CoreFunctions.SetFlag, Param("flag", ParameterKind.FlagName)),
            Function("resetflag", 1, RouteTypes.All, CoreFunctions.ResetFlag, Param("flag", ParameterKind.FlagName)),
            Function("isflagset", 1, RouteTypes.All, CoreFunctions.IsFlagSet, Param("flag", ParameterKind.FlagName)),
            Function("setbflag", 1, RouteTypes.All, CoreFunctions.SetBranchFlag, Param("flag", ParameterKind.BranchFlagName), Param("branch", ParameterKind.Int)),
            Function("resetbflag", 1, RouteTypes.All, CoreFunctions.ResetBranchFlag, Param("flag", ParameterKind.BranchFlagName), Param("branch", ParameterKind.Int)),
            Function("isbflagset", 1, RouteTypes.All, CoreFunctions.IsBranchFlagSet, Param("flag", ParameterKind.BranchFlagName), Param("branch", ParameterKind.Int)),
        ];
        return new ModuleDeclaration(FunctionRegistry.CoreModuleName, functions,
        [
            // Core settings are globals, not modparams.
        ]);
    }

    /// <summary>With two arguments the first is a constant log level.</summary>
    private static string? XlogCheck(Syntax.CallExpression call)
    {
        if (call.Arguments.Count < 2)
            return null;
        if (call.Arguments[0] is Syntax.FormatStringExpression { IsConstant: true } level)
        {
            var result = Fixups.LogLevel(Syntax.LiteralExpression.String(level.Location, level.Text));
            if (result.IsError)
                return result.Error;
            call.FixedArguments[0] = result.Value;
            return null;
        }

        return "the log level of xlog must be a constant (L_ERR, L_INFO, ...)";
    }
}
