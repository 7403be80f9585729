using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>
/// A function or route call used as a statement. Its result goes to <c>$retcode</c>;
/// a result of 0 stops the script.
/// </summary>
public sealed class ExpressionStatement : Statement
{
    public ExpressionStatement(SourceLocation location, CallExpression call)
        : base(location)
    {
        Call = call;
    }

    public CallExpression Call { get; }
}
