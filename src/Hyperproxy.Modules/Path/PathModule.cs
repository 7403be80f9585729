using Hyperproxy.Modules.Rr;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Path;

/// <summary>
/// The path module (OpenSIPS <c>modules/path</c>, RFC 3327) for edge proxies: add_path*() puts
/// our URI on top of a REGISTER's Path (with the NAT'ed source in <c>received</c>), and with
/// <c>use_received</c> a request whose Route for us carries <c>received</c> goes back to that
/// address (an rr callback). Also <c>path_supported()</c>, the RFC 3327 §5 check behind a 421.
/// </summary>
public sealed partial class PathModule
{
    public const string Name = "path";

    private readonly RrModule _rr;
    private readonly Outbound.OutboundModule? _outbound;
    private bool _callbackRegistered;

    public PathModule(RrModule rr, Outbound.OutboundModule? outbound = null)
    {
        _rr = rr;
        _outbound = outbound;
        Exports = new ModuleDeclaration(Name,
        [
            Function("add_path", 0, RouteTypes.Request, (c, a) => AddPath(c, a.Count > 0 ? a.Bytes(c, 0) : default, false), Param("user", ParameterKind.Format)),
            Function("add_path_received", 0, RouteTypes.Request, (c, a) => AddPath(c, a.Count > 0 ? a.Bytes(c, 0) : default, true),
                Param("user", ParameterKind.Format)),
            Function("path_supported", 0, RouteTypes.Request, (c, _) => PathSupported(c) ? ScriptResult.True : ScriptResult.False),
        ],
        [
            Int("use_received", 0, v => UseReceived = v != 0),
            Int("enable_double_path", 1, v => EnableDoublePath = v != 0),
        ])
        {
            Init = RegisterReceivedCallback,
        };
        ModuleTable.ApplyDefaults(Exports);
    }

    /// <summary>The export table: functions and modparams (the only place either is declared).</summary>
    public ModuleDeclaration Exports { get; }

    /// <summary><c>use_received</c>: <c>$du</c> from the <c>received</c> parameter of the Route loose_route processed.</summary>
    public bool UseReceived { get; private set; }

    /// <summary><c>enable_double_path</c>: two Path entries when the REGISTER crosses sockets.</summary>
    public bool EnableDoublePath { get; private set; }

    /// <summary>Init: <c>use_received</c> registers the rr callback (priority 0), once.</summary>
    private string? RegisterReceivedCallback()
    {
        if (UseReceived && !_callbackRegistered)
        {
            _rr.RegisterCallback(ReceivedCallback, this, 0);
            _callbackRegistered = true;
        }

        return null;
    }

    /// <summary>add_path([user]) / add_path_received([user]); the entry is written when the request leaves.</summary>
    public int AddPath(ScriptContext context, ReadOnlySpan<byte> user, bool withReceived)
    {
        if (!context.Message.IsRequest)
        {
            return ScriptResult.False;
        }

        PathState s = context.ModuleState<PathState>();
        s.Module = this;
        if (_outbound is not null && _outbound.AppliesToRegister(context))
        {
            // RFC 5626 §5.1: the flow token is the user part of our Path URI, and ;ob says we did outbound.
            Span<byte> token = stackalloc byte[Hyperproxy.Modules.Outbound.OutboundModule.MaxTokenLength];
            int n = _outbound.WriteToken(context, token);
            return n > 0 && s.Begin(token[..n], withReceived, ob: true) && context.Defer(s) ? ScriptResult.True : ScriptResult.False;
        }

        return s.Begin(user, withReceived, ob: false) && context.Defer(s) ? ScriptResult.True : ScriptResult.False;
    }

    /// <summary>RFC 3327 §5: the UA indicated Path support (<c>path</c> in Supported or Require).</summary>
    public static bool PathSupported(ScriptContext context)
    {
        SipMessage m = context.Message;
        return OptionTags.Contains(m, HeaderId.Supported, ModuleStrings.PathTag) || OptionTags.Contains(m, HeaderId.Require, ModuleStrings.PathTag);
    }
}
