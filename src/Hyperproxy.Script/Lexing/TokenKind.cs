namespace Hyperproxy.Script.Lexing;

/// <summary>The kinds of token in an OpenSIPS-style routing script.</summary>
public enum TokenKind
{
    EndOfFile,
    Identifier,
    Number,
    String,
    PseudoVariable,
    /// <summary>An IPv4/IPv6 address, optionally with <c>/prefix</c> (then a network).</summary>
    IpAddress,
    /// <summary>A <c>#!</c> line (preprocessor directive of other servers); not supported.</summary>
    Directive,
    /// <summary>A character that starts no token; reported by the lexer.</summary>
    Bad,

    OpenParen,
    CloseParen,
    OpenBrace,
    CloseBrace,
    OpenBracket,
    CloseBracket,
    Comma,
    Semicolon,
    Colon,

    Assign,
    ColonAssign,
    PlusAssign,
    MinusAssign,
    StarAssign,
    SlashAssign,
    PercentAssign,
    AmpersandAssign,
    PipeAssign,
    CaretAssign,

    EqualEqual,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Match,
    NotMatch,
    AndAnd,
    OrOr,
    Bang,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Ampersand,
    Pipe,
    Caret,
    Tilde,
    ShiftLeft,
    ShiftRight,
}
