using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Runtime.Nodes;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// A script compiled into a tree of specialised nodes (every name, slot, header id, regex and
/// constant resolved at start-up). Shared read-only by all workers; each worker runs it against
/// its own <see cref="ScriptContext"/>.
/// </summary>
public sealed class CompiledScript
{
    private readonly RouteNode? _request;
    private readonly RouteNode? _reply;
    private readonly RouteNode? _error;
    private readonly RouteNode? _startup;
    private readonly IReadOnlyDictionary<string, int>? _slotNames;

    internal CompiledScript(ScriptProgram program, RouteNode? request, RouteNode? reply, int variableSlots,
        RouteNode? error = null, RouteNode? startup = null, IReadOnlyList<ScriptTimer>? timers = null,
        IReadOnlyDictionary<string, int>? slotNames = null)
    {
        _slotNames = slotNames;
        Program = program;
        _request = request;
        _reply = reply;
        _error = error;
        _startup = startup;
        Timers = timers ?? [];
        VariableSlots = variableSlots;
    }

    public bool HasErrorRoute => _error is not null;

    public bool HasStartupRoute => _startup is not null;

    /// <summary>The <c>timer_route</c> blocks, in script order.</summary>
    public IReadOnlyList<ScriptTimer> Timers { get; }

    /// <summary>
    /// Runs <c>error_route</c> for a request bound with <see cref="ScriptContext.BeginError"/>;
    /// false when the script has none (the host then answers the bad request itself).
    /// </summary>
    public bool RunError(ScriptContext context)
    {
        if (_error is null)
        {
            return false;
        }

        _error.Run(context);
        return true;
    }

    /// <summary>Runs <c>startup_route</c> once, with no message (nothing when the script has none).</summary>
    public void RunStartup(ScriptContext context)
    {
        if (_startup is not null)
        {
            RunWithoutMessage(_startup, context);
        }
    }

    /// <summary>
    /// A message-less run (start-up, timers). Off the packet path, so a fault in the block is caught,
    /// logged as a run-time error of the block and does not stop the server or the timer.
    /// </summary>
    internal static void RunWithoutMessage(RouteNode route, ScriptContext context)
    {
        context.BeginWithoutMessage();
        try
        {
            route.Run(context);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or IndexOutOfRangeException or ArgumentException)
        {
            context.RuntimeError(route.Definition.Location, $"{route.Definition.DisplayName} failed without a SIP message: {e.Message}");
        }
    }

    public ScriptProgram Program { get; }

    /// <summary>Every compiled route block (reachable or not), for checks such as <see cref="RouteNode.IsEmitted"/>.</summary>
    public IReadOnlyList<RouteNode> Routes
    {
        get => _routes;
        internal init
        {
            _routes = value;
            foreach (RouteNode node in value)
            {
                _nodes[node.Definition] = node;
            }
        }
    }

    private readonly IReadOnlyList<RouteNode> _routes = [];
    private readonly Dictionary<Syntax.RouteDefinition, RouteNode> _nodes = new(ReferenceEqualityComparer.Instance);

    /// <summary>The compiled node of a route block (failure_route, branch_route, named onreply_route ...), or null.</summary>
    public RouteNode? NodeOf(Syntax.RouteDefinition definition) => _nodes.TryGetValue(definition, out RouteNode? node) ? node : null;

    /// <summary>
    /// Runs one route block (a failure_route, branch_route or named onreply_route) for the message bound to
    /// <paramref name="context"/>; false when the block dropped the message.
    /// </summary>
    public bool RunRoute(RouteNode route, ScriptContext context)
    {
        context.Dropped = false;
        route.Run(context);
        return !context.Dropped;
    }

    /// <summary>The transaction layer's settings when the script loads tm (null: stateless only).</summary>
    public TmSettings? Transactions { get; private set; }

    /// <summary>Called by the tm module once the script is compiled.</summary>
    public void UseTransactions(TmSettings settings) => Transactions = settings;

    /// <summary>The check every received message passes before the script (pike's automatic mode), or null.</summary>
    public IMessageGate? Gate { get; private set; }

    /// <summary>Called by a module once the script is compiled (pike with <c>check_route</c>).</summary>
    public void UseGate(IMessageGate gate) => Gate = gate;

    /// <summary>How many <c>$var</c>/<c>$avp</c> slots a context needs.</summary>
    public int VariableSlots { get; }

    /// <summary>
    /// The slot of <c>$avp(<paramref name="name"/>)</c> for <see cref="ScriptContext.AvpValue"/>, or -1 when the
    /// script never names that AVP (nothing can set it then). For modules whose modparams name an AVP.
    /// </summary>
    public int AvpSlot(string name) =>
        _slotNames is not null && _slotNames.TryGetValue("avp:" + name, out int slot) ? slot : -1; // keys as ScriptCompiler.Slot makes them

    /// <summary>The slot of <c>$var(<paramref name="name"/>)</c> for <see cref="ScriptContext.VarValue"/>, or -1 when the script never names it.</summary>
    public int VarSlot(string name) =>
        _slotNames is not null && _slotNames.TryGetValue("var:" + name, out int slot) ? slot : -1;

    public bool HasReplyRoute => _reply is not null;

    /// <summary>
    /// Replies not claimed by a transaction are relayed statelessly when the script calls forward()
    /// (or <c>disable_stateless_fwd=no</c>), as in OpenSIPS.
    /// </summary>
    public bool RelaysReplies => Program.Settings.DisableStatelessForward is { } disabled ? !disabled : Program.UsesForward;

    /// <summary>A context sized for this script.</summary>
    public ScriptContext CreateContext(IScriptHost host) => new(host, Math.Max(VariableSlots, 1));

    /// <summary>Runs the main <c>route</c> block for the request bound to <paramref name="context"/>.</summary>
    public void RunRequest(ScriptContext context) => _request?.Run(context);

    /// <summary>Runs the main <c>onreply_route</c>; false when the script dropped the reply.</summary>
    public bool RunReply(ScriptContext context)
    {
        if (_reply is null)
        {
            return true;
        }

        _reply.Run(context);
        return !context.Dropped;
    }
}
