namespace Hyperproxy.Script.Runtime.Nodes;

/// <summary>A compiled call: a module function or <c>route(name, ...)</c>; returns the function's result.</summary>
public abstract class CallNode : ConditionNode
{
    public abstract int Invoke(ScriptContext context);

    /// <summary>As a condition: the result goes to $retcode; &gt; 0 true, &lt; 0 false, 0 stops the script.</summary>
    public sealed override int Test(ScriptContext context)
    {
        int r = Invoke(context);
        context.RetCode = r;
        return r > 0 ? 1 : r < 0 ? -1 : 0;
    }
}
