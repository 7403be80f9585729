using Hyperproxy.Script.Declarations;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Script.Builtins;

/// <summary>Export tables of sl, signaling, maxfwd and sipmsgops (script side only).</summary>
public static class ModulesOfIssue
{
    private const RouteTypes Replying = RouteTypes.Request | RouteTypes.Error;

    public static ModuleDeclaration Sl() => new("sl",
    [
        Function("sl_send_reply", 2, Replying, Param("code", ParameterKind.Int, Fixups.StatusCode), Param("reason", ParameterKind.Format)),
        Function("sl_reply_error", 0, Replying),
    ],
    [
        Int("enable_stats", 1),
    ]);

    public static ModuleDeclaration Signaling() => new("signaling",
    [
        Function("send_reply", 2, Replying | RouteTypes.Failure, Param("code", ParameterKind.Int, Fixups.StatusCode), Param("reason", ParameterKind.Format)),
    ],
    []);

    public static ModuleDeclaration Maxfwd() => new("maxfwd",
    [
        Function("mf_process_maxfwd_header", 1, RouteTypes.Request, Param("max_value", ParameterKind.Int, Fixups.IntRange(0, 255))),
        Function("is_maxfwd_lt", 1, RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch, Param("limit", ParameterKind.Int, Fixups.IntRange(0, 255))),
    ],
    [
        Int("max_limit", 256),
    ]);

    public static ModuleDeclaration Sipmsgops()
    {
        const RouteTypes AnyMessage = RouteTypes.AnyMessage;
        const RouteTypes Requests = RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.Error | RouteTypes.Local;
        return new("sipmsgops",
        [
            Function("is_method", 1, AnyMessage, Param("methods", ParameterKind.String, Fixups.MethodList)),
            Function("has_totag", 0, AnyMessage),
            Function("append_hf", 1, AnyMessage, Param("header", ParameterKind.Format), Param("after", ParameterKind.String, Fixups.HeaderName)),
            Function("insert_hf", 1, AnyMessage, Param("header", ParameterKind.Format), Param("before", ParameterKind.String, Fixups.HeaderName)),
            Function("remove_hf", 1, AnyMessage, Param("name", ParameterKind.String, Fixups.HeaderName)),
            Function("is_present_hf", 1, AnyMessage, Param("name", ParameterKind.String, Fixups.HeaderName)),
            Function("append_to_reply", 1, RouteTypes.Request | RouteTypes.Error | RouteTypes.Failure | RouteTypes.Branch, Param("header", ParameterKind.Format)),
            Function("ruri_has_param", 1, Requests, Param("name", ParameterKind.String), Param("value", ParameterKind.Format)),
        ],
        []);
    }
}
