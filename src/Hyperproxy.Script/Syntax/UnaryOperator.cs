namespace Hyperproxy.Script.Syntax;

public enum UnaryOperator
{
    /// <summary><c>!</c> or <c>not</c>.</summary>
    Not,
    /// <summary>Unary <c>-</c>.</summary>
    Negate,
    /// <summary><c>~</c>.</summary>
    BitwiseNot,
}
