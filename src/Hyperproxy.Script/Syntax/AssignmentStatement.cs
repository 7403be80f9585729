using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary><c>$pv = expr;</c> and the compound forms (<c>+=</c> ...). <c>= NULL</c> deletes.</summary>
public sealed class AssignmentStatement : Statement
{
    public AssignmentStatement(SourceLocation location, PseudoVariableExpression target, AssignmentOperator op, Expression value)
        : base(location)
    {
        Target = target;
        Operator = op;
        Value = value;
    }

    public PseudoVariableExpression Target { get; }

    public AssignmentOperator Operator { get; }

    public Expression Value { get; internal set; }
}
