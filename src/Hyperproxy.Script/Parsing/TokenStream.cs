using Hyperproxy.Script.Lexing;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Parsing;

/// <summary>
/// Tokens of the main file with <c>include_file "x"</c> / <c>import_file "x"</c> expanded
/// in place (at any point, like OpenSIPS's lexer). Relative paths resolve against the
/// including file's directory. A missing <c>include_file</c> is an error; a missing
/// <c>import_file</c> is skipped.
/// </summary>
public sealed class TokenStream
{
    /// <summary>Nesting bound that also catches circular includes.</summary>
    public const int MaxIncludeDepth = 16;

    private readonly Stack<Lexer> _lexers = new();
    private readonly DiagnosticBag _diagnostics;
    private readonly Func<string, string?> _readFile;

    /// <param name="readFile">Returns a file's text, or null when it does not exist.</param>
    public TokenStream(Lexer main, DiagnosticBag diagnostics, Func<string, string?> readFile)
    {
        _lexers.Push(main);
        _diagnostics = diagnostics;
        _readFile = readFile;
    }

    public Token Next()
    {
        while (true)
        {
            var lexer = _lexers.Peek();
            var token = lexer.Next();
            if (token.Kind == TokenKind.EndOfFile && _lexers.Count > 1)
            {
                _lexers.Pop();
                continue;
            }

            if (token.Kind == TokenKind.Identifier && token.Text is "include_file" or "import_file")
            {
                Include(lexer, token);
                continue;
            }

            return token;
        }
    }

    /// <summary>See <see cref="Lexer.ReadRestOfLine"/>.</summary>
    public (string Text, SourceLocation Location) ReadRestOfLine() => _lexers.Peek().ReadRestOfLine();

    private void Include(Lexer lexer, Token keyword)
    {
        var name = lexer.Next();
        if (name.Kind != TokenKind.String)
        {
            _diagnostics.Report(name.Location, $"{keyword.Text} expects a quoted file name");
            return;
        }

        if (_lexers.Count >= MaxIncludeDepth)
        {
            _diagnostics.Report(keyword.Location, $"{keyword.Text} nested more than {MaxIncludeDepth} deep (circular include?)");
            return;
        }

        string path = name.Text;
        if (!Path.IsPathRooted(path))
        {
            string? dir = Path.GetDirectoryName(lexer.File);
            if (!string.IsNullOrEmpty(dir))
                path = Path.Combine(dir, path);
        }

        string? text = _readFile(path);
        if (text is null)
        {
            if (keyword.Text == "include_file")
                _diagnostics.Report(name.Location, $"cannot read included file '{name.Text}'");
            return;
        }

        _lexers.Push(new Lexer(text, path, _diagnostics));
    }
}
