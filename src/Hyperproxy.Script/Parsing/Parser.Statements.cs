using Hyperproxy.Script.Lexing;
using Hyperproxy.Script.Syntax;

namespace Hyperproxy.Script.Parsing;

public sealed partial class Parser
{
    private BlockStatement ParseBlock()
    {
        var open = Expect(TokenKind.OpenBrace, "'{'");
        var statements = new List<Statement>();
        while (_current.Kind != TokenKind.CloseBrace)
        {
            if (_current.Kind == TokenKind.EndOfFile)
                throw Error(open.Location, "'{' is never closed");
            ParseStatementInto(statements);
        }

        Advance();
        return new BlockStatement(open.Location, statements);
    }

    /// <summary>Parses one statement, recovering from a syntax error by skipping past it.</summary>
    private void ParseStatementInto(List<Statement> statements)
    {
        try
        {
            if (ParseStatement() is { } statement)
                statements.Add(statement);
        }
        catch (SyntaxErrorException e)
        {
            _diagnostics.Report(e.Location, e.Message);
            SynchronizeStatement();
        }
    }

    /// <summary>Skips to just after the next ';' or to a '}' (not consumed), nesting counted.</summary>
    private void SynchronizeStatement()
    {
        int depth = 0;
        while (_current.Kind != TokenKind.EndOfFile)
        {
            switch (_current.Kind)
            {
                case TokenKind.Semicolon when depth == 0:
                    Advance();
                    return;
                case TokenKind.OpenBrace:
                    depth++;
                    break;
                case TokenKind.CloseBrace:
                    if (depth == 0)
                        return;
                    depth--;
                    if (depth == 0)
                    {
                        Advance();
                        return;
                    }

                    break;
            }

            Advance();
        }
    }

    /// <summary>A statement, or null for an empty one (<c>;</c>).</summary>
    private Statement? ParseStatement()
    {
        var token = _current;
        switch (token.Kind)
        {
            case TokenKind.OpenBrace:
                return ParseBlock();
            case TokenKind.Semicolon:
                Advance();
                return null;
            case TokenKind.PseudoVariable:
                return ParseAssignment();
            case TokenKind.Identifier:
                break;
            default:
                throw Error(token.Location, $"expected a statement, found {Describe(token)}");
        }

        switch (token.Text)
        {
            case "if":
                return ParseIf();
            case "switch":
                return ParseSwitch();
            case "while":
                return ParseWhile();
            case "exit":
                ParseBareKeyword();
                return new ExitStatement(token.Location);
            case "drop":
                ParseBareKeyword();
                return new DropStatement(token.Location);
            case "break":
                Advance();
                Expect(TokenKind.Semicolon, "';' after break");
                return new BreakStatement(token.Location);
            case "return":
                return ParseReturn();
            case "else":
                throw Error(token.Location, "'else' without a matching 'if'");
            case "case":
            case "default":
                throw Error(token.Location, $"'{token.Text}' outside a switch");
            case "for":
                return ParseForEach();
        }

        var call = ParseCall();
        Expect(TokenKind.Semicolon, $"';' after {call.Name}(...)");
        return new ExpressionStatement(token.Location, call);
    }

    /// <summary><c>exit;</c>, <c>exit();</c>.</summary>
    private void ParseBareKeyword()
    {
        var keyword = Advance();
        if (Accept(TokenKind.OpenParen))
            Expect(TokenKind.CloseParen, $"')': {keyword.Text} takes no arguments");
        Expect(TokenKind.Semicolon, $"';' after {keyword.Text}");
    }

    private ReturnStatement ParseReturn()
    {
        var keyword = Advance();
        var values = new List<Expression>();
        if (Accept(TokenKind.OpenParen))
        {
            // return(code[, v...]); return() = return(1).
            if (_current.Kind != TokenKind.CloseParen)
            {
                values.Add(ParseExpression());
                while (Accept(TokenKind.Comma))
                    values.Add(ParseExpression());
            }

            Expect(TokenKind.CloseParen, "')' closing return(...)");
        }
        else if (_current.Kind != TokenKind.Semicolon)
        {
            values.Add(ParseExpression());
        }

        Expect(TokenKind.Semicolon, "';' after return");
        return new ReturnStatement(keyword.Location, values);
    }

    private IfStatement ParseIf()
    {
        var keyword = Advance();
        var condition = ParseParenthesizedCondition("if");
        var then = ParseBody();
        Statement? @else = null;
        if (_current.Kind == TokenKind.Identifier && _current.Text == "else")
        {
            Advance();
            @else = ParseBody();
        }

        return new IfStatement(keyword.Location, condition, then, @else);
    }

    private WhileStatement ParseWhile()
    {
        var keyword = Advance();
        var condition = ParseParenthesizedCondition("while");
        return new WhileStatement(keyword.Location, condition, ParseBody());
    }

    /// <summary><c>for ($var(x) in $(avp(list)[*])) body</c>.</summary>
    private ForEachStatement ParseForEach()
    {
        var keyword = Advance();
        Expect(TokenKind.OpenParen, "'(' after for");
        if (_current.Kind != TokenKind.PseudoVariable)
            throw Error(_current.Location, $"expected the loop variable after 'for (', found {Describe(_current)}");
        var variable = ParsePseudoVariable();
        if (!(_current.Kind == TokenKind.Identifier && _current.Text == "in"))
            throw Error(_current.Location, $"expected 'in' after the loop variable, found {Describe(_current)}");
        Advance();
        if (_current.Kind != TokenKind.PseudoVariable)
            throw Error(_current.Location, $"expected the values to loop over after 'in' (e.g. $(avp(list)[*])), found {Describe(_current)}");
        var source = ParsePseudoVariable();
        Expect(TokenKind.CloseParen, "')' closing the for header");
        return new ForEachStatement(keyword.Location, variable, source, ParseBody());
    }

    private Expression ParseParenthesizedCondition(string keyword)
    {
        Expect(TokenKind.OpenParen, $"'(' after {keyword}");
        var condition = ParseExpression();
        Expect(TokenKind.CloseParen, $"')' closing the {keyword} condition");
        return condition;
    }

    /// <summary>The body of if/else/while: a block or one statement (an empty one becomes an empty block).</summary>
    private Statement ParseBody()
    {
        var location = _current.Location;
        return ParseStatement() ?? new BlockStatement(location, new List<Statement>());
    }

    private SwitchStatement ParseSwitch()
    {
        var keyword = Advance();
        Expect(TokenKind.OpenParen, "'(' after switch");
        var subject = ParseExpression();
        Expect(TokenKind.CloseParen, "')' closing the switch value");
        var open = Expect(TokenKind.OpenBrace, "'{' opening the switch body");
        var cases = new List<SwitchCase>();
        bool seenDefault = false;
        while (_current.Kind != TokenKind.CloseBrace)
        {
            if (_current.Kind == TokenKind.EndOfFile)
                throw Error(open.Location, "'{' is never closed");
            var label = _current;
            if (label.Kind == TokenKind.Identifier && label.Text == "case")
            {
                Advance();
                var value = ParseCaseValue();
                Expect(TokenKind.Colon, "':' after the case value");
                cases.Add(new SwitchCase(label.Location, value, ParseCaseBody()));
            }
            else if (label.Kind == TokenKind.Identifier && label.Text == "default")
            {
                Advance();
                Expect(TokenKind.Colon, "':' after default");
                if (seenDefault)
                    _diagnostics.Report(label.Location, "switch has more than one default");
                seenDefault = true;
                cases.Add(new SwitchCase(label.Location, null, ParseCaseBody()));
            }
            else
            {
                throw Error(label.Location, $"expected 'case' or 'default' in switch, found {Describe(label)}");
            }
        }

        Advance();
        return new SwitchStatement(keyword.Location, subject, cases);
    }

    private LiteralExpression ParseCaseValue()
    {
        var token = _current;
        if (token.Kind is TokenKind.Number or TokenKind.String or TokenKind.Minus)
            return ParseConstant("a case value");
        throw Error(token.Location, $"a case value must be a number or a string, found {Describe(token)}");
    }

    private List<Statement> ParseCaseBody()
    {
        var statements = new List<Statement>();
        while (_current.Kind is not (TokenKind.CloseBrace or TokenKind.EndOfFile) &&
               !(_current.Kind == TokenKind.Identifier && _current.Text is "case" or "default"))
        {
            ParseStatementInto(statements);
        }

        return statements;
    }

    private AssignmentStatement ParseAssignment()
    {
        var target = ParsePseudoVariable();
        var opToken = _current;
        AssignmentOperator op = opToken.Kind switch
        {
            TokenKind.Assign => AssignmentOperator.Assign,
            TokenKind.ColonAssign => AssignmentOperator.AssignReplace,
            TokenKind.PlusAssign => AssignmentOperator.Add,
            TokenKind.MinusAssign => AssignmentOperator.Subtract,
            TokenKind.StarAssign => AssignmentOperator.Multiply,
            TokenKind.SlashAssign => AssignmentOperator.Divide,
            TokenKind.PercentAssign => AssignmentOperator.Modulo,
            TokenKind.AmpersandAssign => AssignmentOperator.BitwiseAnd,
            TokenKind.PipeAssign => AssignmentOperator.BitwiseOr,
            TokenKind.CaretAssign => AssignmentOperator.BitwiseXor,
            _ => throw Error(opToken.Location, $"expected an assignment operator after {target.Syntax.Text}, found {Describe(opToken)}"),
        };
        Advance();
        var value = ParseExpression();
        Expect(TokenKind.Semicolon, "';' after the assignment");
        return new AssignmentStatement(target.Location, target, op, value);
    }
}
