using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary><c>name = value</c> at the top of the script; the value is kept raw until bound.</summary>
public sealed class GlobalParameterSyntax : SyntaxNode
{
    public GlobalParameterSyntax(SourceLocation location, string name, string value, SourceLocation valueLocation)
        : base(location)
    {
        Name = name;
        Value = value;
        ValueLocation = valueLocation;
    }

    public string Name { get; }

    /// <summary>The text after <c>=</c> up to the end of the line or a comment, trimmed.</summary>
    public string Value { get; }

    public SourceLocation ValueLocation { get; }
}
