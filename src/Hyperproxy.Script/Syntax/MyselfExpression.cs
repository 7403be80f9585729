using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>
/// The legacy keyword <c>myself</c> (<c>uri == myself</c>): true when the left side's host
/// (and port) is one of ours, like <c>is_myself()</c>. Only valid as an operand of == / !=.
/// </summary>
public sealed class MyselfExpression : Expression
{
    public MyselfExpression(SourceLocation location)
        : base(location)
    {
    }
}
