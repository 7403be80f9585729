namespace Hyperproxy.Script.Syntax;

/// <summary>Binary operators (the precedence table is on <c>Parser</c>'s expression part).</summary>
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
