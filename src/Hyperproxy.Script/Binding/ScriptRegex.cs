using System.Text;
using System.Text.RegularExpressions;

namespace Hyperproxy.Script.Binding;

/// <summary>
/// Compiles script regexes (<c>=~</c>, <c>!~</c>, regex parameters) the way OpenSIPS's
/// <c>regcomp(REG_EXTENDED | REG_ICASE | REG_NOSUB)</c> treats them, as closely as .NET allows.
/// </summary>
/// <remarks>
/// Options: <see cref="RegexOptions.IgnoreCase"/> | <see cref="RegexOptions.CultureInvariant"/> |
/// <see cref="RegexOptions.NonBacktracking"/>. NonBacktracking matches in linear time (a huge
/// header cannot make a match explode) and, like POSIX ERE, has no back-references or
/// look-arounds; for "does it match anywhere" (all the script asks) its answer equals POSIX's.
/// POSIX bracket classes (<c>[[:digit:]]</c>, <c>[:alpha:]</c>, <c>[:alnum:]</c>, <c>[:space:]</c>,
/// <c>[:upper:]</c>, <c>[:lower:]</c>, <c>[:xdigit:]</c>, <c>[:punct:]</c>, <c>[:blank:]</c>,
/// <c>[:cntrl:]</c>, <c>[:print:]</c>, <c>[:graph:]</c>) are rewritten to .NET ranges.
/// What differs: .NET also understands Perl escapes (<c>\d</c>, <c>\w</c>, <c>\s</c>, <c>\b</c>) and
/// lazy quantifiers (<c>*?</c>) where ERE would read a literal letter or reject the pattern;
/// a <c>{</c> that starts no valid interval is an error in .NET but literal in some POSIX libraries;
/// with IgnoreCase, <c>[:upper:]</c>/<c>[:lower:]</c> match both cases (as glibc does under REG_ICASE).
/// Capture groups are not used (REG_NOSUB).
/// </remarks>
public static class ScriptRegex
{
    public const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    private static readonly (string Posix, string Net)[] s_classes =
    [
        ("[:digit:]", "0-9"),
        ("[:alpha:]", "a-zA-Z"),
        ("[:alnum:]", "a-zA-Z0-9"),
        ("[:upper:]", "A-Z"),
        ("[:lower:]", "a-z"),
        ("[:xdigit:]", "0-9A-Fa-f"),
        ("[:space:]", " \\t\\r\\n\\f\\v"),
        ("[:blank:]", " \\t"),
        ("[:punct:]", "!-/:-@\\[-`{-~"),
        ("[:cntrl:]", "\\x00-\\x1f\\x7f"),
        ("[:print:]", "\\x20-\\x7e"),
        ("[:graph:]", "\\x21-\\x7e"),
    ];

    /// <summary>Compiles a pattern; false with a message (from .NET's parser) when it is invalid.</summary>
    public static bool TryCreate(string pattern, out Regex? regex, out string? error)
    {
        try
        {
            regex = new Regex(Translate(pattern), Options);
            error = null;
            return true;
        }
        catch (ArgumentException e)
        {
            regex = null;
            error = e.Message;
            return false;
        }
        catch (NotSupportedException e)
        {
            regex = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>Rewrites POSIX bracket classes into .NET character ranges.</summary>
    public static string Translate(string pattern)
    {
        if (!pattern.Contains("[:", StringComparison.Ordinal))
            return pattern;
        var sb = new StringBuilder(pattern);
        foreach (var (posix, net) in s_classes)
            sb.Replace(posix, net);
        return sb.ToString();
    }
}
