using System.Net;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Lexing;

/// <summary>One token with its exact position. Payload fields are set per kind.</summary>
public sealed class Token
{
    public Token(TokenKind kind, SourceLocation location, string text)
    {
        Kind = kind;
        Location = location;
        Text = text;
    }

    public TokenKind Kind { get; }

    public SourceLocation Location { get; }

    /// <summary>The source text; for strings the unescaped value, for identifiers the name.</summary>
    public string Text { get; }

    /// <summary>Value of a <see cref="TokenKind.Number"/>.</summary>
    public int IntValue { get; init; }

    /// <summary>Parsed spec of a <see cref="TokenKind.PseudoVariable"/>.</summary>
    public PseudoVariableSyntax? PseudoVariable { get; init; }

    /// <summary>Address of an <see cref="TokenKind.IpAddress"/>.</summary>
    public IPAddress? Address { get; init; }

    /// <summary>Prefix length after <c>/</c>, or -1 for a plain address.</summary>
    public int PrefixLength { get; init; } = -1;

    public override string ToString() => $"{Kind} '{Text}' at {Location}";
}
