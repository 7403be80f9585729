namespace Hyperproxy.Script.Syntax;

/// <summary>Binary operators, loosest-binding first (see <c>Parser</c> for the precedence table).</summary>
public enum BinaryOperator
{
    Or,
    And,
    BitwiseOr,
    BitwiseXor,
    BitwiseAnd,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Match,
    NotMatch,
    ShiftLeft,
    ShiftRight,
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
}
