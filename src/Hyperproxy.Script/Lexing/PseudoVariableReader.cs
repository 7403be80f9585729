using Hyperproxy.Script.Syntax;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Lexing;

/// <summary>
/// Reads one pseudo-variable spec starting at a <c>$</c>. Shared by the lexer and by
/// format strings (<c>"sip:$rU@$fd"</c>). Forms: <c>$name</c>, <c>$name(arg)</c>,
/// <c>$(name[(arg)][[index]]{tr}...)</c>. A name is letters, digits and <c>_</c>, with
/// <c>.</c> allowed between such runs (<c>$ruri.user</c>, <c>$err.class</c>).
/// </summary>
public static class PseudoVariableReader
{
    /// <summary>
    /// Reads at <paramref name="start"/> (which holds <c>$</c>). <paramref name="location"/> is the
    /// position of that <c>$</c>; positions of later parts are on the same line.
    /// Returns false with <paramref name="error"/> set when the spec is malformed.
    /// </summary>
    public static bool TryRead(string text, int start, SourceLocation location,
        out PseudoVariableSyntax? result, out int end, out string? error)
    {
        result = null;
        error = null;
        end = start + 1;
        int i = start + 1;
        if (i < text.Length && text[i] == '(')
        {
            int close = FindClose(text, i, '(', ')');
            if (close < 0)
            {
                error = "unterminated '$(' in pseudo-variable";
                end = text.Length;
                return false;
            }

            end = close + 1;
            return ReadInner(text, i + 1, close, start, location, bracketed: true, out result, out error);
        }

        int nameEnd = ReadName(text, i);
        if (nameEnd == i)
        {
            error = "expected a pseudo-variable name after '$'";
            return false;
        }

        int stop = nameEnd;
        if (stop < text.Length && text[stop] == '(')
        {
            int close = FindClose(text, stop, '(', ')');
            if (close < 0)
            {
                error = "unterminated '(' in pseudo-variable";
                end = text.Length;
                return false;
            }

            stop = close + 1;
        }

        end = stop;
        return ReadInner(text, i, stop, start, location, bracketed: false, out result, out error);
    }

    /// <summary>Index after the longest name at <paramref name="i"/>.</summary>
    public static int ReadName(string text, int i)
    {
        int j = i;
        while (j < text.Length)
        {
            char c = text[j];
            if (char.IsAsciiLetterOrDigit(c) || c == '_')
            {
                j++;
            }
            else if (c == '.' && j > i && j + 1 < text.Length && (char.IsAsciiLetter(text[j + 1]) || text[j + 1] == '_'))
            {
                j++;
            }
            else
            {
                break;
            }
        }

        return j;
    }

    private static bool ReadInner(string text, int from, int to, int dollar, SourceLocation location,
        bool bracketed, out PseudoVariableSyntax? result, out string? error)
    {
        result = null;
        error = null;
        int i = from;
        while (i < to && text[i] == ' ')
            i++;
        int nameEnd = ReadName(text, i);
        if (nameEnd == i)
        {
            error = "expected a pseudo-variable name after '$'";
            return false;
        }

        string name = text[i..nameEnd];
        i = nameEnd;
        string? argument = null;
        if (i < to && text[i] == '(')
        {
            int close = FindClose(text, i, '(', ')');
            if (close < 0 || close >= to)
            {
                error = $"unterminated '(' in pseudo-variable '${name}'";
                return false;
            }

            argument = text[(i + 1)..close].Trim();
            i = close + 1;
        }

        string? index = null;
        var transformations = new List<TransformationSyntax>();
        if (bracketed)
        {
            if (i < to && text[i] == '[')
            {
                int close = FindClose(text, i, '[', ']');
                if (close < 0 || close >= to)
                {
                    error = $"unterminated '[' in pseudo-variable '${name}'";
                    return false;
                }

                index = text[(i + 1)..close].Trim();
                i = close + 1;
            }

            while (i < to && text[i] == '{')
            {
                int close = FindClose(text, i, '{', '}');
                if (close < 0 || close >= to)
                {
                    error = $"unterminated '{{' in transformation of '${name}'";
                    return false;
                }

                var at = location with { Column = location.Column + (i - dollar) };
                transformations.Add(ParseTransformation(text[(i + 1)..close], at));
                i = close + 1;
            }

            while (i < to && text[i] == ' ')
                i++;
            if (i != to)
            {
                error = $"unexpected '{text[i]}' in pseudo-variable '${name}'";
                return false;
            }
        }

        int end = bracketed ? to + 1 : to;
        result = new PseudoVariableSyntax(location, name, argument, index, transformations, text[dollar..end]);
        return true;
    }

    private static TransformationSyntax ParseTransformation(string body, SourceLocation at)
    {
        var parts = new List<string>();
        int depth = 0;
        int partStart = 0;
        for (int k = 0; k < body.Length; k++)
        {
            char c = body[k];
            if (c is '(' or '{' or '[')
                depth++;
            else if (c is ')' or '}' or ']')
                depth--;
            else if (c == ',' && depth == 0)
            {
                parts.Add(Part(body[partStart..k]));
                partStart = k + 1;
            }
        }

        parts.Add(Part(body[partStart..]));
        // A ',' separator argument is written as a trailing ",,": {s.select,1,,}.
        if (parts.Count >= 3 && parts[^1].Length == 0 && parts[^2].Length == 0 && body.EndsWith(",,", StringComparison.Ordinal))
        {
            parts.RemoveAt(parts.Count - 1);
            parts[^1] = ",";
        }

        string name = parts[0];
        parts.RemoveAt(0);
        return new TransformationSyntax(at, name, parts);
    }

    /// <summary>An argument, trimmed; a lone blank (a ' ' separator) is kept.</summary>
    private static string Part(string raw) => raw.Length == 1 && raw[0] is ' ' or '\t' ? raw : raw.Trim();

    /// <summary>Index of the bracket closing the one at <paramref name="open"/>, nesting counted; -1 if none.</summary>
    private static int FindClose(string text, int open, char openChar, char closeChar)
    {
        int depth = 0;
        for (int k = open; k < text.Length; k++)
        {
            char c = text[k];
            if (c == '\n')
                return -1;
            if (c == openChar)
                depth++;
            else if (c == closeChar && --depth == 0)
                return k;
        }

        return -1;
    }
}
