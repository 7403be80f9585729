using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Lexing;

public sealed partial class Lexer
{
    private Token? TryReadOperator(SourceLocation location)
    {
        char c = Current;
        char n = At(1);
        (TokenKind kind, int length) = c switch
        {
            '(' => (TokenKind.OpenParen, 1),
            ')' => (TokenKind.CloseParen, 1),
            '{' => (TokenKind.OpenBrace, 1),
            '}' => (TokenKind.CloseBrace, 1),
            '[' => (TokenKind.OpenBracket, 1),
            ']' => (TokenKind.CloseBracket, 1),
            ',' => (TokenKind.Comma, 1),
            ';' => (TokenKind.Semicolon, 1),
            ':' => n == '=' ? (TokenKind.ColonAssign, 2) : (TokenKind.Colon, 1),
            '=' => n switch
            {
                '=' => (TokenKind.EqualEqual, 2),
                '~' => (TokenKind.Match, 2),
                _ => (TokenKind.Assign, 1),
            },
            '!' => n switch
            {
                '=' => (TokenKind.NotEqual, 2),
                '~' => (TokenKind.NotMatch, 2),
                _ => (TokenKind.Bang, 1),
            },
            '<' => n switch
            {
                '=' => (TokenKind.LessEqual, 2),
                '<' => (TokenKind.ShiftLeft, 2),
                _ => (TokenKind.Less, 1),
            },
            '>' => n switch
            {
                '=' => (TokenKind.GreaterEqual, 2),
                '>' => (TokenKind.ShiftRight, 2),
                _ => (TokenKind.Greater, 1),
            },
            '&' => n switch
            {
                '&' => (TokenKind.AndAnd, 2),
                '=' => (TokenKind.AmpersandAssign, 2),
                _ => (TokenKind.Ampersand, 1),
            },
            '|' => n switch
            {
                '|' => (TokenKind.OrOr, 2),
                '=' => (TokenKind.PipeAssign, 2),
                _ => (TokenKind.Pipe, 1),
            },
            '+' => n == '=' ? (TokenKind.PlusAssign, 2) : (TokenKind.Plus, 1),
            '-' => n == '=' ? (TokenKind.MinusAssign, 2) : (TokenKind.Minus, 1),
            '*' => n == '=' ? (TokenKind.StarAssign, 2) : (TokenKind.Star, 1),
            '/' => n == '=' ? (TokenKind.SlashAssign, 2) : (TokenKind.Slash, 1),
            '%' => n == '=' ? (TokenKind.PercentAssign, 2) : (TokenKind.Percent, 1),
            '^' => n == '=' ? (TokenKind.CaretAssign, 2) : (TokenKind.Caret, 1),
            '~' => (TokenKind.Tilde, 1),
            _ => (TokenKind.Bad, 0),
        };

        if (length == 0)
            return null;
        string text = _text.Substring(_pos, length);
        _pos += length;
        return new Token(kind, location, text);
    }
}
