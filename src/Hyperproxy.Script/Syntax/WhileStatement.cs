using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary><c>while (cond) stmt</c>; the runtime stops it after <c>max_while_loops</c> rounds.</summary>
public sealed class WhileStatement : Statement
{
    public WhileStatement(SourceLocation location, Expression condition, Statement body)
        : base(location)
    {
        Condition = condition;
        Body = body;
    }

    public Expression Condition { get; internal set; }

    public Statement Body { get; }
}
