using System.Text.RegularExpressions;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>A binary operation; <see cref="SyntaxNode.Location"/> is the operator's position.</summary>
public sealed class BinaryExpression : Expression
{
    public BinaryExpression(SourceLocation location, BinaryOperator op, Expression left, Expression right)
        : base(location)
    {
        Operator = op;
        Left = left;
        Right = right;
    }

    public BinaryOperator Operator { get; }

    public Expression Left { get; internal set; }

    public Expression Right { get; internal set; }

    /// <summary>
    /// For <c>=~</c> / <c>!~</c> with a constant right side: the regex compiled at start-up
    /// (see <c>ScriptRegex</c>). Null when the pattern comes from a variable.
    /// </summary>
    public Regex? Regex { get; internal set; }
}
