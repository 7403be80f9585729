using Hyperproxy.Script.Lexing;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Parsing;

/// <summary>
/// Expressions, with OpenSIPS's precedence (loosest first): <c>|| or</c>, <c>&amp;&amp; and</c>,
/// <c>|</c>, <c>&amp;</c>, <c>^</c>, <c>&lt;&lt;</c>, <c>&gt;&gt;</c>, <c>== != =~ !~</c>,
/// <c>&lt; &lt;= &gt; &gt;=</c>, <c>+ -</c>, <c>* / %</c>, then unary <c>! not - ~</c>.
/// All binary operators associate to the left.
/// </summary>
public sealed partial class Parser
{
    /// <summary>Legacy (≤ 2.3) condition keywords and the pseudo-variable each stands for.</summary>
    private static readonly Dictionary<string, string> s_legacyKeywords = new(StringComparer.Ordinal)
    {
        ["method"] = "rm",
        ["uri"] = "ru",
        ["status"] = "rs",
        ["from_uri"] = "fu",
        ["to_uri"] = "tu",
        ["src_ip"] = "si",
        ["src_port"] = "sp",
        ["dst_ip"] = "Ri",
        ["dst_port"] = "Rp",
        ["proto"] = "pr",
        ["af"] = "af",
    };

    public Expression ParseExpression() => ParseBinary(0);

    private Expression ParseBinary(int minLevel)
    {
        var left = ParseUnary();
        while (true)
        {
            var (level, op) = BinaryOperatorOf(_current);
            if (level < minLevel)
                return left;
            var opToken = Advance();
            var right = ParseBinary(level + 1);
            left = new BinaryExpression(opToken.Location, op, left, right);
        }
    }

    private static (int Level, BinaryOperator Op) BinaryOperatorOf(Token token) => token.Kind switch
    {
        TokenKind.OrOr => (0, BinaryOperator.Or),
        TokenKind.Identifier when token.Text == "or" => (0, BinaryOperator.Or),
        TokenKind.AndAnd => (1, BinaryOperator.And),
        TokenKind.Identifier when token.Text == "and" => (1, BinaryOperator.And),
        TokenKind.Pipe => (2, BinaryOperator.BitwiseOr),
        TokenKind.Ampersand => (3, BinaryOperator.BitwiseAnd),
        TokenKind.Caret => (4, BinaryOperator.BitwiseXor),
        TokenKind.ShiftLeft => (5, BinaryOperator.ShiftLeft),
        TokenKind.ShiftRight => (6, BinaryOperator.ShiftRight),
        TokenKind.EqualEqual => (7, BinaryOperator.Equal),
        TokenKind.NotEqual => (7, BinaryOperator.NotEqual),
        TokenKind.Match => (7, BinaryOperator.Match),
        TokenKind.NotMatch => (7, BinaryOperator.NotMatch),
        TokenKind.Less => (8, BinaryOperator.Less),
        TokenKind.LessEqual => (8, BinaryOperator.LessEqual),
        TokenKind.Greater => (8, BinaryOperator.Greater),
        TokenKind.GreaterEqual => (8, BinaryOperator.GreaterEqual),
        TokenKind.Plus => (9, BinaryOperator.Add),
        TokenKind.Minus => (9, BinaryOperator.Subtract),
        TokenKind.Star => (10, BinaryOperator.Multiply),
        TokenKind.Slash => (10, BinaryOperator.Divide),
        TokenKind.Percent => (10, BinaryOperator.Modulo),
        _ => (-1, default),
    };

    private Expression ParseUnary()
    {
        var token = _current;
        UnaryOperator? op = token.Kind switch
        {
            TokenKind.Bang => UnaryOperator.Not,
            TokenKind.Identifier when token.Text == "not" => UnaryOperator.Not,
            TokenKind.Minus => UnaryOperator.Negate,
            TokenKind.Tilde => UnaryOperator.BitwiseNot,
            _ => null,
        };
        if (op is { } unary)
        {
            Advance();
            return new UnaryExpression(token.Location, unary, ParseUnary());
        }

        return ParsePrimary();
    }

    private Expression ParsePrimary()
    {
        var token = _current;
        switch (token.Kind)
        {
            case TokenKind.OpenParen:
            {
                Advance();
                var inner = ParseExpression();
                Expect(TokenKind.CloseParen, "')'");
                return inner;
            }

            case TokenKind.Number:
                Advance();
                return LiteralExpression.Int(token.Location, token.IntValue);
            case TokenKind.String:
                Advance();
                return LiteralExpression.String(token.Location, token.Text);
            case TokenKind.PseudoVariable:
                return ParsePseudoVariable();
            case TokenKind.IpAddress:
                Advance();
                return new AddressExpression(token.Location, token.Address!, token.PrefixLength, token.Text);
            case TokenKind.Identifier:
                return ParseIdentifierExpression();
            default:
                throw Error(token.Location, $"expected an expression, found {Describe(token)}");
        }
    }

    private Expression ParseIdentifierExpression()
    {
        var token = _current;
        switch (token.Text)
        {
            case "NULL":
            case "null":
                Advance();
                return LiteralExpression.Null(token.Location);
            case "myself":
                Advance();
                return new MyselfExpression(token.Location);
        }

        if (s_legacyKeywords.TryGetValue(token.Text, out string? pvName) && Peek().Kind != TokenKind.OpenParen)
        {
            Advance();
            return LegacyVariable(token.Location, token.Text, pvName);
        }

        return ParseCall();
    }

    /// <summary>A pseudo-variable expression for a legacy keyword (<c>method</c> → <c>$rm</c>).</summary>
    internal static PseudoVariableExpression LegacyVariable(SourceLocation location, string keyword, string pvName)
    {
        var syntax = new PseudoVariableSyntax(location, pvName, null, null, [], "$" + pvName);
        return new PseudoVariableExpression(location, syntax, keyword);
    }

    private PseudoVariableExpression ParsePseudoVariable()
    {
        var token = Expect(TokenKind.PseudoVariable, "a pseudo-variable");
        return new PseudoVariableExpression(token.Location, token.PseudoVariable!);
    }

    /// <summary><c>name</c>, <c>name()</c> or <c>name(arg, ...)</c>.</summary>
    private CallExpression ParseCall()
    {
        var name = Expect(TokenKind.Identifier, "a function name");
        var arguments = new List<Expression>();
        if (!Accept(TokenKind.OpenParen))
            return new CallExpression(name.Location, name.Text, arguments, hasParentheses: false);

        if (!Accept(TokenKind.CloseParen))
        {
            do
            {
                arguments.Add(ParseArgument());
            }
            while (Accept(TokenKind.Comma));

            Expect(TokenKind.CloseParen, $"')' or ',' in the arguments of {name.Text}");
        }

        return new CallExpression(name.Location, name.Text, arguments, hasParentheses: true);
    }

    /// <summary>An argument: a bare word (flag or route name) or an expression.</summary>
    private Expression ParseArgument()
    {
        var token = _current;
        if (token.Kind == TokenKind.Identifier && token.Text is not ("NULL" or "null") &&
            Peek().Kind is TokenKind.Comma or TokenKind.CloseParen)
        {
            Advance();
            return new NameExpression(token.Location, token.Text);
        }

        return ParseExpression();
    }
}
