using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>
/// One <c>case value:</c> or <c>default:</c> with the statements up to the next label.
/// Control falls through to the next case unless a <c>break</c> ends it (like C).
/// </summary>
public sealed class SwitchCase : SyntaxNode
{
    public SwitchCase(SourceLocation location, LiteralExpression? value, List<Statement> statements)
        : base(location)
    {
        Value = value;
        Statements = statements;
    }

    /// <summary>The constant (int or string, compared like ==), or null for <c>default</c>.</summary>
    public LiteralExpression? Value { get; }

    public bool IsDefault => Value is null;

    public List<Statement> Statements { get; }
}
