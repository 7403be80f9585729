using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>
/// A pseudo-variable read or written by the script. Legacy keywords (<c>method</c>,
/// <c>src_ip</c>, ...) parse to the variable they stand for, with <see cref="LegacyKeyword"/> set.
/// </summary>
public sealed class PseudoVariableExpression : Expression
{
    public PseudoVariableExpression(SourceLocation location, PseudoVariableSyntax syntax, string? legacyKeyword = null)
        : base(location)
    {
        Syntax = syntax;
        LegacyKeyword = legacyKeyword;
    }

    public PseudoVariableSyntax Syntax { get; }

    /// <summary>The legacy keyword written in the script, or null.</summary>
    public string? LegacyKeyword { get; }

    /// <summary>The resolved declaration (bound tree).</summary>
    public PseudoVariableDeclaration? Declaration { get; internal set; }

    /// <summary>The argument (<c>Via</c> in <c>$hdr(Via)</c>), or null.</summary>
    public string? Argument => Syntax.Argument;

    /// <summary>How the value is indexed (bound tree).</summary>
    public PseudoVariableIndexKind IndexKind { get; internal set; }

    /// <summary>The index for <see cref="PseudoVariableIndexKind.Number"/> (may be negative: -1 = last).</summary>
    public int IndexValue { get; internal set; }

    /// <summary>The transformations, resolved, in order (bound tree).</summary>
    public IReadOnlyList<BoundTransformation> Transformations { get; internal set; } = [];
}
