using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>
/// A pseudo-variable as written: <c>$ru</c>, <c>$var(x)</c>, <c>$(hdr(Via)[1])</c>,
/// <c>$(ru{uri.user}{s.len})</c>.
/// </summary>
public sealed class PseudoVariableSyntax
{
    public PseudoVariableSyntax(SourceLocation location, string name, string? argument, string? index,
        IReadOnlyList<TransformationSyntax> transformations, string text)
    {
        Location = location;
        Name = name;
        Argument = argument;
        Index = index;
        Transformations = transformations;
        Text = text;
    }

    public SourceLocation Location { get; }

    /// <summary>The class name without <c>$</c>: <c>ru</c>, <c>var</c>, <c>hdr</c>, <c>ruri.user</c>.</summary>
    public string Name { get; }

    /// <summary>The text inside the name's parentheses (<c>x</c> in <c>$var(x)</c>), or null.</summary>
    public string? Argument { get; }

    /// <summary>The text inside <c>[...]</c> (<c>1</c>, <c>-1</c>, <c>*</c>), or null.</summary>
    public string? Index { get; }

    public IReadOnlyList<TransformationSyntax> Transformations { get; }

    /// <summary>The whole source text, <c>$</c> included.</summary>
    public string Text { get; }

    public override string ToString() => Text;
}
