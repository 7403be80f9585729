namespace Hyperproxy.Modules.Dispatcher;

/// <summary>ds_select_dst/ds_select_domain flags (OpenSIPS 3.x letters, case-insensitive, spaces ignored).</summary>
[Flags]
public enum DispatcherFlags
{
    None = 0,
    /// <summary><c>f</c>: keep the other active destinations in the failover AVPs for ds_next_dst.</summary>
    Failover = 1,
    /// <summary><c>u</c>: hash algorithms 1-3 hash the URI's user part only.</summary>
    UserOnly = 2,
    /// <summary><c>d</c>: the set's last entry is a last resort, used only when no other entry is active.</summary>
    UseDefault = 4,
}

/// <summary>Parses the flags argument: letters, or (OpenSIPS 1.x/Kamailio) a number meaning the result limit.</summary>
public static class DispatcherFlagParser
{
    /// <summary>Null on success; otherwise what is wrong. <paramref name="limit"/> is set from a numeric argument.</summary>
    public static string? Parse(ReadOnlySpan<char> text, out DispatcherFlags flags, out int limit)
    {
        flags = DispatcherFlags.None;
        limit = 0;
        text = text.Trim();
        if (text.Length > 0 && char.IsAsciiDigit(text[0]))
        {
            return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit)
                ? null
                : $"'{text}' is neither flags (f, u, d) nor a result limit";
        }

        foreach (char ch in text)
        {
            switch (ch)
            {
                case 'f' or 'F': flags |= DispatcherFlags.Failover; break;
                case 'u' or 'U': flags |= DispatcherFlags.UserOnly; break;
                case 'd' or 'D': flags |= DispatcherFlags.UseDefault; break;
                case ' ': break;
                case 'a' or 'A': return "flag 'a' (append to an existing failover list) is not built";
                default: return $"unknown flag '{ch}' (f failover, u user-only hash, d use default)";
            }
        }

        return null;
    }
}
