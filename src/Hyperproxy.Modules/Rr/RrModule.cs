using Hyperproxy.Script.Builtins;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Rr;

/// <summary>
/// The rr module (OpenSIPS <c>modules/rr</c>): Record-Route and loose routing (RFC 3261 §16.4,
/// §16.6, §16.12). Exports the script functions and modparams below, <c>$rr_params</c> (kept in
/// <see cref="ScriptContext.RouteParams"/>), and the API other modules load: callbacks run by
/// loose_route() (<see cref="RegisterCallback"/>), <see cref="TryGetRouteParam"/>, and the
/// <see cref="AppendFromtag"/> setting. One instance per loaded script; shared read-only by workers
/// after start-up (per-message state lives in each worker's <see cref="RrState"/>).
/// </summary>
public sealed partial class RrModule
{
    public const string Name = "rr";

    private const RouteTypes Recording = RouteTypes.Request | RouteTypes.Branch | RouteTypes.Failure;

    private (RrCallback Callback, object? Parameter, int Priority)[] _callbacks = [];

    public RrModule()
    {
        Exports = new ModuleDeclaration(Name,
        [
            Function("loose_route", 0, RouteTypes.Request, (c, _) => LooseRoute(c)),
            Function("record_route", 0, Recording, RecordRouteFunction, Param("params", ParameterKind.Format)),
            Function("record_route_preset", 1, Recording, RecordRoutePresetFunction, Param("address", ParameterKind.Format), Param("second", ParameterKind.Format)),
            Function("add_rr_param", 1, Recording, AddRrParamFunction, Param("param", ParameterKind.Format)),
            Function("check_route_param", 1, RouteTypes.Request, CheckRouteParamFunction, Param("regex", ParameterKind.Regex)),
            Function("is_direction", 1, RouteTypes.Request, IsDirectionFunction, a => a.Fixed(0), Param("direction", ParameterKind.String, DirectionFixup)),
        ],
        [
            Int("append_fromtag", 1, v => AppendFromtag = v != 0),
            Int("enable_double_rr", 1, v => EnableDoubleRr = v != 0),
            Int("add_username", 0, v => AddUsername = v != 0),
            Int("enable_socket_mismatch_warning", 1, v => EnableSocketMismatchWarning = v != 0),
        ])
        {
            PseudoVariables = [new PseudoVariableDeclaration("rr_params", PseudoVariableArgument.None, writable: false)],
        };
        ModuleTable.ApplyDefaults(Exports);
    }

    /// <summary>The export table: functions and modparams (the only place either is declared).</summary>
    public ModuleDeclaration Exports { get; }

    /// <summary><c>append_fromtag</c>: add <c>;ftag=</c> to our Record-Route entries.</summary>
    public bool AppendFromtag { get; private set; }

    /// <summary><c>enable_double_rr</c>: two entries when the request crosses sockets; loose_route pairs <c>r2</c> entries.</summary>
    public bool EnableDoubleRr { get; private set; }

    /// <summary><c>add_username</c>: the R-URI user goes into our Record-Route URI.</summary>
    public bool AddUsername { get; private set; }

    /// <summary><c>enable_socket_mismatch_warning</c>: warn when a Route/preset names no local socket.</summary>
    public bool EnableSocketMismatchWarning { get; private set; }

    /// <summary>
    /// <c>register_rrcb</c>: <paramref name="callback"/> runs in every loose_route() that reaches its
    /// end. Lower priorities run first; priority 0 (or lower than the current head) goes to the head,
    /// equal priorities run in registration order. Start-up only.
    /// </summary>
    public void RegisterCallback(RrCallback callback, object? parameter, int priority)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        var list = new List<(RrCallback, object?, int)>(_callbacks);
        int at = list.Count;
        if (priority == 0 || list.Count == 0 || priority < list[0].Item3)
        {
            at = 0;
        }
        else
        {
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i].Item3 > priority)
                {
                    at = i;
                    break;
                }
            }
        }

        list.Insert(at, (callback, parameter, priority));
        _callbacks = list.ToArray();
    }

    private void RunCallbacks(ScriptContext context, ReadOnlySpan<byte> routeParams)
    {
        var callbacks = _callbacks;
        for (int i = 0; i < callbacks.Length; i++)
        {
            callbacks[i].Callback(context, routeParams, callbacks[i].Parameter);
        }
    }

    private RrState State(ScriptContext context)
    {
        RrState s = context.ModuleState<RrState>();
        s.Module = this;
        return s;
    }

    /// <summary><c>"upstream"</c>/<c>"downstream"</c> (any case, any prefix); value: true for upstream.</summary>
    private static readonly ParameterFixup DirectionFixup = c =>
    {
        string text = c.ToString();
        if (text.Length > 0 && "upstream".StartsWith(text, StringComparison.OrdinalIgnoreCase))
        {
            return FixupResult.Ok(true);
        }

        return text.Length > 0 && "downstream".StartsWith(text, StringComparison.OrdinalIgnoreCase)
            ? FixupResult.Ok(false)
            : FixupResult.Fail($"unknown direction '{text}' (upstream or downstream)");
    };
}
