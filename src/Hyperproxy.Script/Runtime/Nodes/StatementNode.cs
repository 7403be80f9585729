namespace Hyperproxy.Script.Runtime.Nodes;

/// <summary>A compiled statement.</summary>
public abstract class StatementNode
{
    public abstract Flow Execute(ScriptContext context);
}
