using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Lexing;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Parsing;

/// <summary>
/// Recursive-descent parser of the OpenSIPS script language into a <see cref="ScriptSyntax"/>.
/// Syntax errors are reported to the diagnostic bag; the parser then skips to the next
/// statement (or top-level item) and goes on, so one run reports every error.
/// </summary>
public sealed partial class Parser
{
    private readonly TokenStream _tokens;
    private readonly DiagnosticBag _diagnostics;
    private Token _current;
    private Token? _peek;

    public Parser(TokenStream tokens, DiagnosticBag diagnostics)
    {
        _tokens = tokens;
        _diagnostics = diagnostics;
        _current = tokens.Next();
    }

    /// <summary>Parses a script text (with includes read from disk).</summary>
    public static ScriptSyntax ParseText(string text, string fileName, DiagnosticBag diagnostics, Func<string, string?>? readFile = null)
    {
        var lexer = new Lexer(text, fileName, diagnostics);
        var stream = new TokenStream(lexer, diagnostics, readFile ?? ReadFileOrNull);
        return new Parser(stream, diagnostics).ParseScript();
    }

    /// <summary>Reads a file, or returns null if it does not exist.</summary>
    public static string? ReadFileOrNull(string path) => File.Exists(path) ? File.ReadAllText(path) : null;

    public ScriptSyntax ParseScript()
    {
        var script = new ScriptSyntax();
        while (_current.Kind != TokenKind.EndOfFile)
        {
            try
            {
                ParseTopLevel(script);
            }
            catch (SyntaxErrorException e)
            {
                _diagnostics.Report(e.Location, e.Message);
                SynchronizeTopLevel();
            }
        }

        return script;
    }

    private void ParseTopLevel(ScriptSyntax script)
    {
        var token = _current;
        if (token.Kind == TokenKind.Directive)
        {
            Advance();
            throw Error(token.Location, $"directive '{token.Text}' is not supported (pre-process the file with m4 or cpp)");
        }

        if (token.Kind == TokenKind.Semicolon)
        {
            Advance();
            return;
        }

        if (token.Kind != TokenKind.Identifier)
            throw Error(token.Location, $"expected a global parameter, loadmodule, modparam or a route block, found {Describe(token)}");

        switch (token.Text)
        {
            case "loadmodule":
                Advance();
                var path = Expect(TokenKind.String, "a quoted module file name after loadmodule");
                script.LoadModules.Add(new LoadModuleSyntax(token.Location, path.Text, path.Location));
                Accept(TokenKind.Semicolon);
                return;
            case "modparam":
                script.ModParams.Add(ParseModParam());
                return;
            default:
                if (RouteKindOf(token.Text) is { } kind)
                {
                    script.Routes.Add(ParseRoute(kind));
                    return;
                }

                ParseGlobal(script);
                return;
        }
    }

    private static RouteTypes? RouteKindOf(string keyword) => keyword switch
    {
        "route" => RouteTypes.Request,
        "branch_route" => RouteTypes.Branch,
        "failure_route" => RouteTypes.Failure,
        "onreply_route" => RouteTypes.OnReply,
        "error_route" => RouteTypes.Error,
        "local_route" => RouteTypes.Local,
        "startup_route" => RouteTypes.Startup,
        "timer_route" => RouteTypes.Timer,
        "event_route" => RouteTypes.Event,
        _ => null,
    };

    private void ParseGlobal(ScriptSyntax script)
    {
        var name = Advance();
        if (_current.Kind != TokenKind.Assign)
            throw Error(_current.Location, $"expected '=' after global parameter '{name.Text}', found {Describe(_current)}");

        // The value is read raw: socket/alias values hold ':' '.' '*' '[' and words.
        var (value, valueLocation) = _tokens.ReadRestOfLine();
        _current = _tokens.Next();
        if (value.Length == 0)
            throw Error(valueLocation, $"missing value for global parameter '{name.Text}'");
        script.Globals.Add(new GlobalParameterSyntax(name.Location, name.Text, value, valueLocation));
        Accept(TokenKind.Semicolon);
    }

    private ModParamSyntax ParseModParam()
    {
        var keyword = Advance();
        Expect(TokenKind.OpenParen, "'(' after modparam");
        var module = ParseConstant("a module name");
        Expect(TokenKind.Comma, "',' in modparam");
        var parameter = ParseConstant("a parameter name");
        Expect(TokenKind.Comma, "',' in modparam");
        var value = ParseConstant("a value (number or string)");
        Expect(TokenKind.CloseParen, "')' closing modparam");
        Accept(TokenKind.Semicolon);
        return new ModParamSyntax(keyword.Location, module, parameter, value);
    }

    /// <summary>A number (with optional sign), a string, or a bare word (taken as a string).</summary>
    private LiteralExpression ParseConstant(string what)
    {
        var token = _current;
        bool negative = false;
        if (token.Kind == TokenKind.Minus)
        {
            negative = true;
            Advance();
            token = _current;
        }

        switch (token.Kind)
        {
            case TokenKind.Number:
                Advance();
                return LiteralExpression.Int(token.Location, negative ? unchecked(-token.IntValue) : token.IntValue);
            case TokenKind.String when !negative:
                Advance();
                return LiteralExpression.String(token.Location, token.Text);
            case TokenKind.Identifier when !negative:
                Advance();
                return token.Text is "NULL" or "null" ? LiteralExpression.Null(token.Location) : LiteralExpression.String(token.Location, token.Text);
            default:
                throw Error(token.Location, $"expected {what}, found {Describe(token)}");
        }
    }

    private RouteDefinition ParseRoute(RouteTypes kind)
    {
        var keyword = Advance();
        string name = string.Empty;
        int interval = 0;
        if (Accept(TokenKind.OpenBracket))
        {
            var nameToken = _current;
            name = nameToken.Kind switch
            {
                TokenKind.Identifier or TokenKind.String or TokenKind.Number => Advance().Text,
                _ => throw Error(nameToken.Location, $"expected a route name in {keyword.Text}[...], found {Describe(nameToken)}"),
            };
            if (kind == RouteTypes.Timer)
            {
                Expect(TokenKind.Comma, "',' and an interval in timer_route[name, seconds]");
                var seconds = Expect(TokenKind.Number, "the interval in seconds of timer_route");
                if (seconds.IntValue <= 0)
                    _diagnostics.Report(seconds.Location, "timer_route interval must be a positive number of seconds");
                interval = seconds.IntValue;
            }

            Expect(TokenKind.CloseBracket, $"']' after the name of {keyword.Text}");
            if (kind == RouteTypes.Request && name == "0")
                name = string.Empty;
        }

        bool nameRequired = kind is RouteTypes.Branch or RouteTypes.Failure or RouteTypes.Timer or RouteTypes.Event;
        if (nameRequired && name.Length == 0)
            _diagnostics.Report(keyword.Location, $"{keyword.Text} needs a name: {keyword.Text}[name]");
        if (!nameRequired && kind != RouteTypes.Request && kind != RouteTypes.OnReply && name.Length != 0)
            _diagnostics.Report(keyword.Location, $"{keyword.Text} takes no name");

        var body = ParseBlock();
        return new RouteDefinition(keyword.Location, kind, name, interval, body);
    }

    private Token Advance()
    {
        var token = _current;
        _current = _peek ?? _tokens.Next();
        _peek = null;
        return token;
    }

    private Token Peek() => _peek ??= _tokens.Next();

    private bool Accept(TokenKind kind)
    {
        if (_current.Kind != kind)
            return false;
        Advance();
        return true;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (_current.Kind != kind)
            throw Error(_current.Location, $"expected {what}, found {Describe(_current)}");
        return Advance();
    }

    private static SyntaxErrorException Error(SourceLocation location, string message) => new(location, message);

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.EndOfFile => "end of file",
        TokenKind.String => $"string \"{token.Text}\"",
        TokenKind.Identifier => $"'{token.Text}'",
        _ => $"'{token.Text}'",
    };

    /// <summary>Skips to the next top-level item: a known keyword at brace depth 0.</summary>
    private void SynchronizeTopLevel()
    {
        int depth = 0;
        while (_current.Kind != TokenKind.EndOfFile)
        {
            if (_current.Kind == TokenKind.OpenBrace)
                depth++;
            else if (_current.Kind == TokenKind.CloseBrace)
            {
                depth--;
                Advance();
                if (depth <= 0)
                    return;
                continue;
            }
            else if (depth == 0 && _current.Kind == TokenKind.Identifier &&
                     (_current.Text is "loadmodule" or "modparam" || RouteKindOf(_current.Text) is not null || Peek().Kind == TokenKind.Assign))
            {
                return;
            }

            Advance();
        }
    }
}
