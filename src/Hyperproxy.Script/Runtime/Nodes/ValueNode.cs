namespace Hyperproxy.Script.Runtime.Nodes;

/// <summary>A compiled expression that yields a value (constant, pseudo-variable, arithmetic, format string ...).</summary>
public abstract class ValueNode
{
    public abstract ScriptValue Evaluate(ScriptContext context);

    /// <summary>True for a node whose value never changes (a literal).</summary>
    public virtual bool IsConstant => false;
}
