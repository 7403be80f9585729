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

    internal CompiledScript(ScriptProgram program, RouteNode? request, RouteNode? reply, int variableSlots)
    {
        Program = program;
        _request = request;
        _reply = reply;
        VariableSlots = variableSlots;
    }

    public ScriptProgram Program { get; }

    /// <summary>How many <c>$var</c>/<c>$avp</c> slots a context needs.</summary>
    public int VariableSlots { get; }

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
