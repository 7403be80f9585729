using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>
/// <c>for ($var(x) in $(avp(list)[*])) stmt</c>: runs the body once per value of an indexed pseudo-variable, in
/// index order ([0], [1], ...), with the value assigned to the loop variable first.
/// </summary>
public sealed class ForEachStatement : Statement
{
    public ForEachStatement(SourceLocation location, PseudoVariableExpression variable, PseudoVariableExpression source, Statement body)
        : base(location)
    {
        Variable = variable;
        Source = source;
        Body = body;
    }

    public PseudoVariableExpression Variable { get; }

    public PseudoVariableExpression Source { get; }

    public Statement Body { get; }
}
