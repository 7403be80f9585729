using System.Globalization;
using System.Net;
using System.Text;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Lexing;

/// <summary>
/// Turns one script file into tokens on demand, each with its file, line and column.
/// Comments: <c>#</c> to end of line (a <c>#!</c> line is a <see cref="TokenKind.Directive"/>),
/// <c>//</c> to end of line, <c>/* ... */</c>. Errors go to the diagnostic bag and the
/// offending character is skipped.
/// </summary>
public sealed partial class Lexer
{
    private readonly string _text;
    private readonly string _file;
    private readonly DiagnosticBag _diagnostics;
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    public Lexer(string text, string file, DiagnosticBag diagnostics)
    {
        _text = text;
        _file = file;
        _diagnostics = diagnostics;
        diagnostics.AddFile(file);
    }

    public string File => _file;

    private SourceLocation Here => new(_file, _line, _pos - _lineStart + 1);

    private char Current => _pos < _text.Length ? _text[_pos] : '\0';

    private char At(int offset) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    /// <summary>Reads the next token; <see cref="TokenKind.EndOfFile"/> at the end (repeatedly).</summary>
    public Token Next()
    {
        while (true)
        {
            SkipTrivia();
            if (_pos >= _text.Length)
                return new Token(TokenKind.EndOfFile, Here, string.Empty);

            var token = ReadToken();
            if (token is not null)
                return token;
        }
    }

    /// <summary>
    /// Reads the raw value of a global parameter: from here to the end of the line, a
    /// <c>#</c> comment, a <c>/*</c> comment or a <c>;</c> (quoted parts kept whole), trimmed.
    /// </summary>
    public (string Text, SourceLocation Location) ReadRestOfLine()
    {
        while (_pos < _text.Length && (_text[_pos] == ' ' || _text[_pos] == '\t'))
            _pos++;
        var location = Here;
        int start = _pos;
        char quote = '\0';
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (quote != '\0')
            {
                if (c == quote)
                    quote = '\0';
                else if (c == '\n')
                    break;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c is '\n' or '#' or ';' || (c == '/' && At(1) is '*' or '/'))
            {
                break;
            }

            _pos++;
        }

        return (_text[start.._pos].TrimEnd(), location);
    }

    private void SkipTrivia()
    {
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (c == '\n')
            {
                _pos++;
                _line++;
                _lineStart = _pos;
            }
            else if (c is ' ' or '\t' or '\r' or '\f' or '\v')
            {
                _pos++;
            }
            else if (c == '#' && At(1) != '!')
            {
                SkipToEndOfLine();
            }
            else if (c == '/' && At(1) == '/')
            {
                SkipToEndOfLine();
            }
            else if (c == '/' && At(1) == '*')
            {
                var start = Here;
                _pos += 2;
                bool closed = false;
                while (_pos < _text.Length)
                {
                    if (_text[_pos] == '*' && At(1) == '/')
                    {
                        _pos += 2;
                        closed = true;
                        break;
                    }

                    Advance();
                }

                if (!closed)
                    _diagnostics.Report(start, "unterminated '/*' comment");
            }
            else
            {
                return;
            }
        }
    }

    private void SkipToEndOfLine()
    {
        while (_pos < _text.Length && _text[_pos] != '\n')
            _pos++;
    }

    /// <summary>Moves one character, keeping line and column right.</summary>
    private void Advance()
    {
        if (_text[_pos] == '\n')
        {
            _line++;
            _lineStart = _pos + 1;
        }

        _pos++;
    }

    private Token? ReadToken()
    {
        var location = Here;
        char c = Current;
        if (c == '#')
        {
            int start = _pos;
            SkipToEndOfLine();
            return new Token(TokenKind.Directive, location, _text[start.._pos].TrimEnd());
        }

        if (c is '"' or '\'')
            return ReadString(location, c);
        if (c == '$')
            return ReadPseudoVariable(location);
        if ((char.IsAsciiHexDigit(c) || (c == ':' && At(1) == ':')) && TryReadIpv6(location) is { } ipv6)
            return ipv6;
        if (char.IsAsciiDigit(c))
            return ReadNumberOrIpv4(location);
        if (char.IsAsciiLetter(c) || c == '_')
        {
            int start = _pos;
            while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_'))
                _pos++;
            return new Token(TokenKind.Identifier, location, _text[start.._pos]);
        }

        if (TryReadOperator(location) is { } op)
            return op;

        _diagnostics.Report(location, $"unexpected character '{c}'");
        Advance();
        return null;
    }

    private Token ReadString(SourceLocation location, char quote)
    {
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                _diagnostics.Report(location, "unterminated string");
                break;
            }

            char c = _text[_pos];
            if (c == quote)
            {
                _pos++;
                break;
            }

            if (c == '\\' && _pos + 1 < _text.Length)
            {
                char e = _text[_pos + 1];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case '\\': sb.Append('\\'); break;
                    case '"': sb.Append('"'); break;
                    case '\'': sb.Append('\''); break;
                    default:
                        // Unknown escapes keep their backslash, so regexes like "\." survive.
                        sb.Append('\\').Append(e);
                        break;
                }

                _pos += 2;
                continue;
            }

            sb.Append(c);
            Advance();
        }

        return new Token(TokenKind.String, location, sb.ToString());
    }

    private Token? ReadPseudoVariable(SourceLocation location)
    {
        if (!PseudoVariableReader.TryRead(_text, _pos, location, out var pv, out int end, out string? error))
        {
            _diagnostics.Report(location, error!);
            _pos = Math.Max(end, _pos + 1);
            return null;
        }

        string text = _text[_pos..end];
        _pos = end;
        return new Token(TokenKind.PseudoVariable, location, text) { PseudoVariable = pv };
    }

    private Token? TryReadIpv6(SourceLocation location)
    {
        int j = _pos;
        int colons = 0;
        while (j < _text.Length && (char.IsAsciiHexDigit(_text[j]) || _text[j] is ':' or '.'))
        {
            if (_text[j] == ':')
                colons++;
            j++;
        }

        if (colons < 2 || !IPAddress.TryParse(_text.AsSpan(_pos, j - _pos), out var address))
            return null;
        if (j < _text.Length && (char.IsAsciiLetterOrDigit(_text[j]) || _text[j] == '_'))
            return null;
        int start = _pos;
        _pos = j;
        int prefix = ReadPrefix(128, location);
        return new Token(TokenKind.IpAddress, location, _text[start.._pos]) { Address = address, PrefixLength = prefix };
    }

    private Token ReadNumberOrIpv4(SourceLocation location)
    {
        int start = _pos;
        int j = _pos;
        int dots = 0;
        while (j < _text.Length && (char.IsAsciiDigit(_text[j]) || _text[j] == '.'))
        {
            if (_text[j] == '.')
                dots++;
            j++;
        }

        if (dots == 3 && IPAddress.TryParse(_text.AsSpan(_pos, j - _pos), out var address))
        {
            _pos = j;
            int prefix = ReadPrefix(32, location);
            return new Token(TokenKind.IpAddress, location, _text[start.._pos]) { Address = address, PrefixLength = prefix };
        }

        long value;
        if (Current == '0' && At(1) is 'x' or 'X')
        {
            _pos += 2;
            int digits = _pos;
            while (_pos < _text.Length && char.IsAsciiHexDigit(_text[_pos]))
                _pos++;
            if (!long.TryParse(_text.AsSpan(digits, _pos - digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value))
            {
                _diagnostics.Report(location, $"bad hexadecimal number '{_text[start.._pos]}'");
                value = 0;
            }
        }
        else
        {
            while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
                _pos++;
            value = ParseDecimalOrOctal(_text.AsSpan(start, _pos - start), location);
        }

        if (value > uint.MaxValue)
        {
            _diagnostics.Report(location, $"number '{_text[start.._pos]}' is too large");
            value = 0;
        }

        return new Token(TokenKind.Number, location, _text[start.._pos]) { IntValue = unchecked((int)value) };
    }

    private long ParseDecimalOrOctal(ReadOnlySpan<char> digits, SourceLocation location)
    {
        if (digits.Length > 1 && digits[0] == '0')
        {
            long octal = 0;
            foreach (char d in digits)
            {
                if (d > '7')
                {
                    _diagnostics.Report(location, $"bad octal number '{digits}'");
                    return 0;
                }

                octal = (octal * 8) + (d - '0');
                if (octal > uint.MaxValue)
                    return octal;
            }

            return octal;
        }

        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : long.MaxValue;
    }

    private int ReadPrefix(int max, SourceLocation location)
    {
        if (Current != '/' || !char.IsAsciiDigit(At(1)))
            return -1;
        _pos++;
        int start = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
            _pos++;
        if (!int.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix) || prefix > max)
        {
            _diagnostics.Report(location, $"network prefix length must be 0..{max}");
            return max;
        }

        return prefix;
    }
}
