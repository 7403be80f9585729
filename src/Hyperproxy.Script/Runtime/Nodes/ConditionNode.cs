namespace Hyperproxy.Script.Runtime.Nodes;

/// <summary>
/// A compiled condition. <see cref="Test"/> returns 1 (true), -1 (false) or 0 (a function or route
/// returned 0: the script stops), which is OpenSIPS's truth rule for function results.
/// </summary>
public abstract class ConditionNode
{
    public abstract int Test(ScriptContext context);
}
