using Hyperproxy.Script.Syntax;

namespace Hyperproxy.Script.Runtime.Nodes;

/// <summary>A compiled route block; the body is filled in after creation so that routes can call each other.</summary>
public sealed class RouteNode
{
    private Func<ScriptContext, Flow>? _emitted;

    public RouteNode(RouteDefinition definition)
    {
        Definition = definition;
    }

    public RouteDefinition Definition { get; }

    public StatementNode Body { get; internal set; } = null!;

    /// <summary>True when the body runs as one emitted method (<see cref="RouteEmitter"/>), false when it walks its nodes.</summary>
    public bool IsEmitted => _emitted is not null;

    /// <summary>Emits the body into one method; a tree the emitter cannot handle keeps running as nodes.</summary>
    internal void Emit()
    {
        try
        {
            _emitted = RouteEmitter.Emit(Body);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            _emitted = null;
        }
    }

    /// <summary>The body once: its flow (a <c>return</c> ends it with <see cref="Flow.Return"/>).</summary>
    internal Flow Execute(ScriptContext context) => _emitted is { } emitted ? emitted(context) : Body.Execute(context);

    /// <summary>Runs the block; a <c>return</c> ends it. Returns <see cref="Flow.Exit"/> when the script must stop.</summary>
    public Flow Run(ScriptContext context)
    {
        Flow flow = Execute(context);
        return flow == Flow.Exit ? Flow.Exit : Flow.Next;
    }
}
