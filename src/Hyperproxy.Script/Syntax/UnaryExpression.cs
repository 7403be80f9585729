using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

public sealed class UnaryExpression : Expression
{
    public UnaryExpression(SourceLocation location, UnaryOperator op, Expression operand)
        : base(location)
    {
        Operator = op;
        Operand = operand;
    }

    public UnaryOperator Operator { get; }

    public Expression Operand { get; internal set; }
}
