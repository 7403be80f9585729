using System.Text.RegularExpressions;

namespace Hyperproxy.Modules.Registrar;

/// <summary>
/// The decoded flags of one lookup() call site: letters (<c>"m"</c>, <c>"b"</c>, <c>"B"</c>, <c>"r"</c>,
/// <c>"u/regex/"</c>, <c>"i"</c>, <c>"e"</c>) or named CSV (<c>method-filtering</c>, <c>no-branches</c>,
/// <c>to-branches-only</c>, <c>branch</c>, <c>ua-filtering=/regex/</c>, <c>case-insensitive</c>,
/// <c>extended-regexp</c>). The UA regex is compiled at start-up.
/// </summary>
public sealed class LookupFlags
{
    public static LookupFlags Default { get; } = new();

    public bool MethodFiltering { get; private set; }

    public bool NoBranches { get; private set; }

    public bool ToBranchesOnly { get; private set; }

    public bool Branch { get; private set; }

    public bool CaseInsensitive { get; private set; }

    public bool ExtendedRegexp { get; private set; }

    /// <summary>ua-filtering: bindings whose User-Agent does not match are skipped.</summary>
    public Regex? UserAgentFilter { get; private set; }

    public static bool TryParse(string text, out LookupFlags flags, out string error)
    {
        flags = new LookupFlags();
        string t = text.Trim();
        string? uaPattern = null;
        error = string.Empty;
        bool named = t.Contains(',') || t.Contains('-') || t.Contains('=') || t == "branch" || t == "global";
        if (named)
        {
            foreach (string raw in t.Split(','))
            {
                string item = raw.Trim();
                switch (item)
                {
                    case "method-filtering": flags.MethodFiltering = true; continue;
                    case "no-branches": flags.NoBranches = true; continue;
                    case "to-branches-only": flags.ToBranchesOnly = true; continue;
                    case "branch": flags.Branch = true; continue;
                    case "case-insensitive": flags.CaseInsensitive = true; continue;
                    case "extended-regexp": flags.ExtendedRegexp = true; continue;
                    case "global": continue;
                }

                if (item.StartsWith("ua-filtering=", StringComparison.Ordinal) && TrySlashed(item["ua-filtering=".Length..], out uaPattern))
                {
                    continue;
                }

                error = $"unknown lookup() flag '{item}'";
                return false;
            }
        }
        else
        {
            for (int i = 0; i < t.Length; i++)
            {
                switch (t[i])
                {
                    case 'm': flags.MethodFiltering = true; break;
                    case 'b': flags.NoBranches = true; break;
                    case 'B': flags.ToBranchesOnly = true; break;
                    case 'r': flags.Branch = true; break;
                    case 'i': flags.CaseInsensitive = true; break;
                    case 'e': flags.ExtendedRegexp = true; break;
                    case 'u':
                        int end = i + 1 < t.Length && t[i + 1] == '/' ? t.IndexOf('/', i + 2) : -1;
                        if (end < 0)
                        {
                            error = $"lookup() flag 'u' at position {i} needs /regex/";
                            return false;
                        }

                        uaPattern = t[(i + 2)..end];
                        i = end;
                        break;
                    default:
                        error = $"unknown lookup() flag '{t[i]}' at position {i}";
                        return false;
                }
            }
        }

        if (uaPattern is not null)
        {
            try
            {
                var options = RegexOptions.CultureInvariant | (flags.CaseInsensitive ? RegexOptions.IgnoreCase : RegexOptions.None);
                flags.UserAgentFilter = new Regex(uaPattern, options);
            }
            catch (ArgumentException e)
            {
                error = $"lookup() ua-filtering regex '{uaPattern}': {e.Message}";
                return false;
            }
        }

        return true;
    }

    private static bool TrySlashed(string s, out string? pattern)
    {
        pattern = s.Length >= 2 && s[0] == '/' && s[^1] == '/' ? s[1..^1] : null;
        return pattern is not null;
    }
}
