namespace Hyperproxy.Script.Syntax;

public enum AssignmentOperator
{
    /// <summary><c>=</c> (for an AVP: adds a value).</summary>
    Assign,
    /// <summary><c>:=</c> (for an AVP: replaces all values).</summary>
    AssignReplace,
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    BitwiseAnd,
    BitwiseOr,
    BitwiseXor,
}
