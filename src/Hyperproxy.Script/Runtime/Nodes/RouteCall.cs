using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Runtime.Nodes;

/// <summary>
/// <c>route(name, a, b)</c>: arguments become <c>$param(1..)</c>; the result is the callee's <c>return</c> code (1 when it
/// just ends), its extra return values <c>$return(0..)</c>.
/// </summary>
internal sealed class RouteCall(RouteNode route, ValueNode[] arguments, SourceLocation location) : CallNode
{
    private const int MaxDepth = 100;

    public override int Invoke(ScriptContext context)
    {
        if (context.Depth >= MaxDepth || !context.TryPushParams(arguments.Length, out int savedBase, out int savedCount))
        {
            context.RuntimeError(location, $"route({route.Definition.Name}): calls nested too deep");
            return -1;
        }

        for (int i = 0; i < arguments.Length; i++)
        {
            context.SetPendingParam(i, arguments[i].Evaluate(context));
        }

        context.EnterParams(arguments.Length);
        context.Depth++;
        context.RetCode = 1;
        Flow flow = route.Execute(context);
        context.Depth--;
        context.LeaveParams(savedBase, savedCount);
        if (flow == Flow.Exit)
        {
            return 0;
        }

        if (flow != Flow.Return)
        {
            // Fell off the end: no return values (those of a route it called are not its own).
            context.ClearReturnValues();
            return 1;
        }

        return context.RetCode;
    }
}
