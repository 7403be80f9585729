using System.Globalization;

namespace Hyperproxy.Modules.Registrar;

/// <summary>
/// The decoded flags of one save() call site, parsed once at start-up. Both syntaxes are accepted:
/// the letters of OpenSIPS ≤ 3.3 (<c>"p2v"</c>, <c>"c5f"</c>, <c>"e30E600"</c>) and the named CSV form of
/// ≥ 3.4 (<c>"path-strict,path-received"</c>, <c>"max-contacts=5"</c>). Anything unknown is an error.
/// </summary>
public sealed class SaveFlags
{
    public static SaveFlags Default { get; } = new();

    public PathMode Path { get; private set; }

    /// <summary><c>v</c> / <c>path-received</c>: received from the Path (only with a path mode).</summary>
    public bool PathReceived { get; private set; }

    public bool MemoryOnly { get; private set; }

    public bool NoReply { get; private set; }

    public bool SocketHeader { get; private set; }

    /// <summary>Per-call max contacts; -1 = the module's.</summary>
    public int MaxContacts { get; private set; } = -1;

    public bool Force { get; private set; }

    public bool OnlyRequestContacts { get; private set; }

    /// <summary>Per-call min_expires; -1 = the module's.</summary>
    public int MinExpires { get; private set; } = -1;

    /// <summary>Per-call max_expires; -1 = the module's.</summary>
    public int MaxExpires { get; private set; } = -1;

    /// <summary>Contact matching: 0 URI, 1 URI + Call-ID (M0/M1, matching-mode=0|1); -1 = the module's.</summary>
    public int MatchingMode { get; private set; } = -1;

    /// <summary>Parses either syntax; on failure <paramref name="error"/> names the offending flag.</summary>
    public static bool TryParse(string text, out SaveFlags flags, out string error)
    {
        flags = new SaveFlags();
        string trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            error = string.Empty;
            return true;
        }

        if (LooksNamed(trimmed))
        {
            return flags.TryParseNamed(trimmed, out error);
        }

        return flags.TryParseLetters(trimmed, out error);
    }

    /// <summary>The named form has '-', ',' or '=' or a word; the letter form is letters and digits only.</summary>
    internal static bool LooksNamed(string text) =>
        text.Contains(',') || text.Contains('-') || text.Contains('=') || text.Contains(' ') || IsKnownName(text);

    private static bool IsKnownName(string t) => t is "memory-only" or "no-reply" or "socket-header" or "force-registration"
        or "only-request-contacts" or "path-off" or "path-lazy" or "path-strict" or "path-received"
        or "no-branches" or "to-branches-only" or "branch" or "global" or "method-filtering" or "case-insensitive"
        or "extended-regexp" or "sort-by-latency";

    private bool TryParseNamed(string text, out string error)
    {
        foreach (string raw in text.Split(','))
        {
            string item = raw.Trim();
            int eq = item.IndexOf('=');
            string key = eq < 0 ? item : item[..eq].Trim();
            string value = eq < 0 ? string.Empty : item[(eq + 1)..].Trim();
            bool ok = eq < 0
                ? SetNamed(key)
                : key switch
                {
                    "max-contacts" => TryNumber(value, out int n) && Set(() => MaxContacts = n),
                    "min-expires" => TryNumber(value, out int n) && Set(() => MinExpires = n),
                    "max-expires" => TryNumber(value, out int n) && Set(() => MaxExpires = n),
                    "matching-mode" => TryNumber(value, out int n) && n is 0 or 1 && Set(() => MatchingMode = n),
                    _ => false,
                };
            if (!ok)
            {
                error = $"unknown save() flag '{item}'";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    private bool SetNamed(string key)
    {
        switch (key)
        {
            case "memory-only": MemoryOnly = true; return true;
            case "no-reply": NoReply = true; return true;
            case "socket-header": SocketHeader = true; return true;
            case "force-registration": Force = true; return true;
            case "only-request-contacts": OnlyRequestContacts = true; return true;
            case "path-off": Path = PathMode.Off; return true;
            case "path-lazy": Path = PathMode.Lazy; return true;
            case "path-strict": Path = PathMode.Strict; return true;
            case "path-received": PathReceived = true; return true;
            default: return false;
        }
    }

    private bool TryParseLetters(string text, out string error)
    {
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i++];
            int start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            string digits = text[start..i];
            bool ok = true;
            switch (c)
            {
                case 'm': MemoryOnly = true; ok = digits.Length == 0; break;
                case 'r': NoReply = true; ok = digits.Length == 0; break;
                case 's': SocketHeader = true; ok = digits.Length == 0; break;
                case 'f': Force = true; ok = digits.Length == 0; break;
                case 'o': OnlyRequestContacts = true; ok = digits.Length == 0; break;
                case 'v': PathReceived = true; ok = digits.Length == 0; break;
                case 'p':
                    ok = digits is "0" or "1" or "2";
                    Path = digits switch { "0" => PathMode.Off, "1" => PathMode.Lazy, _ => PathMode.Strict };
                    break;
                case 'c':
                    // c0 (or no digits) keeps the module's max_contacts.
                    MaxContacts = digits.Length == 0 || Number(digits) == 0 ? -1 : Number(digits);
                    break;
                case 'e': MinExpires = digits.Length == 0 ? 0 : Number(digits); break;
                case 'E': MaxExpires = digits.Length == 0 ? 0 : Number(digits); break;
                case 'M':
                    ok = digits is "0" or "1";
                    MatchingMode = digits == "1" ? 1 : 0;
                    break;
                default: ok = false; break;
            }

            if (!ok)
            {
                error = $"unknown save() flag '{c}{digits}' at position {start}";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    private static int Number(string digits) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : int.MaxValue;

    private static bool TryNumber(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static bool Set(Action assign)
    {
        assign();
        return true;
    }
}
