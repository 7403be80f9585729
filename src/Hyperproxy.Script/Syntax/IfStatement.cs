using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary><c>if (cond) stmt [else stmt]</c>; <c>else if</c> is an <see cref="IfStatement"/> in <see cref="Else"/>.</summary>
public sealed class IfStatement : Statement
{
    public IfStatement(SourceLocation location, Expression condition, Statement then, Statement? @else)
        : base(location)
    {
        Condition = condition;
        Then = then;
        Else = @else;
    }

    public Expression Condition { get; internal set; }

    public Statement Then { get; }

    public Statement? Else { get; }
}
