using Hyperproxy.Script.Runtime.Nodes;

namespace Hyperproxy.Script.Runtime;

/// <summary>A compiled <c>timer_route[name, seconds]</c>: run every <see cref="IntervalSeconds"/> with no message.</summary>
public sealed class ScriptTimer
{
    private readonly RouteNode _route;

    internal ScriptTimer(RouteNode route)
    {
        _route = route;
    }

    public string Name => _route.Definition.Name;

    public int IntervalSeconds => Math.Max(_route.Definition.TimerInterval, 1);

    /// <summary>Runs the block once against <paramref name="context"/> (reset to "no message" first).</summary>
    public void Run(ScriptContext context) => CompiledScript.RunWithoutMessage(_route, context);
}
