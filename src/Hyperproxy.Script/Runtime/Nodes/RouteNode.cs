using Hyperproxy.Script.Syntax;

namespace Hyperproxy.Script.Runtime.Nodes;

/// <summary>A compiled route block; the body is filled in after creation so that routes can call each other.</summary>
public sealed class RouteNode
{
    public RouteNode(RouteDefinition definition)
    {
        Definition = definition;
    }

    public RouteDefinition Definition { get; }

    public StatementNode Body { get; internal set; } = null!;

    /// <summary>Runs the block; a <c>return</c> ends it. Returns <see cref="Flow.Exit"/> when the script must stop.</summary>
    public Flow Run(ScriptContext context)
    {
        Flow flow = Body.Execute(context);
        return flow == Flow.Exit ? Flow.Exit : Flow.Next;
    }
}
