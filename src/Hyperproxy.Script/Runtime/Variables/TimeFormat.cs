namespace Hyperproxy.Script.Runtime.Variables;

/// <summary>
/// <c>$time(format)</c>: the current local time through a strftime-style format, written into the
/// arena (no allocation). Supported: <c>%Y %y %m %d %e %H %I %M %S %p %j %a %A %b %B %h %T %D %F %R %s %u %w %z %n %t %%</c>;
/// any other conversion is copied as written.
/// </summary>
internal static class TimeFormat
{
    private static readonly byte[][] s_days = [.. new[] { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" }.Select(System.Text.Encoding.ASCII.GetBytes)];
    private static readonly byte[][] s_longDays =
        [.. new[] { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" }.Select(System.Text.Encoding.ASCII.GetBytes)];
    private static readonly byte[][] s_months =
        [.. new[] { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" }.Select(System.Text.Encoding.ASCII.GetBytes)];
    private static readonly byte[][] s_longMonths =
    [
        .. new[] { "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December" }
            .Select(System.Text.Encoding.ASCII.GetBytes),
    ];

    public static ScriptValue Format(ScriptContext context, ReadOnlySpan<byte> format) => Format(context, format, DateTimeOffset.Now);

    public static ScriptValue Format(ScriptContext context, ReadOnlySpan<byte> format, DateTimeOffset now)
    {
        Span<byte> free = context.ArenaFree;
        int n = Write(format, now, free);
        return n < 0 ? ScriptValue.Null : context.Commit(n);
    }

    /// <summary>Formats into <paramref name="output"/>; the length, or -1 when it does not fit.</summary>
    public static int Write(ReadOnlySpan<byte> format, DateTimeOffset t, Span<byte> output)
    {
        int o = 0;
        for (int i = 0; i < format.Length; i++)
        {
            byte c = format[i];
            if (c != (byte)'%' || i + 1 == format.Length)
            {
                if (!Put(output, ref o, c))
                {
                    return -1;
                }

                continue;
            }

            byte f = format[++i];
            if (output.Length - o < 40)
            {
                return -1;
            }

            Span<byte> d = output[o..];
            switch (f)
            {
                case (byte)'Y': o += Number(d, t.Year, 4); break;
                case (byte)'y': o += Number(d, t.Year % 100, 2); break;
                case (byte)'m': o += Number(d, t.Month, 2); break;
                case (byte)'d': o += Number(d, t.Day, 2); break;
                case (byte)'e':
                    o += Number(d, t.Day, 2);
                    if (t.Day < 10)
                    {
                        output[o - 2] = (byte)' ';
                    }

                    break;
                case (byte)'H': o += Number(d, t.Hour, 2); break;
                case (byte)'I': o += Number(d, t.Hour % 12 == 0 ? 12 : t.Hour % 12, 2); break;
                case (byte)'M': o += Number(d, t.Minute, 2); break;
                case (byte)'S': o += Number(d, t.Second, 2); break;
                case (byte)'p': o += Copy(d, t.Hour < 12 ? "AM"u8 : "PM"u8); break;
                case (byte)'j': o += Number(d, t.DayOfYear, 3); break;
                case (byte)'a': o += Copy(d, s_days[(int)t.DayOfWeek]); break;
                case (byte)'A': o += Copy(d, s_longDays[(int)t.DayOfWeek]); break;
                case (byte)'b':
                case (byte)'h': o += Copy(d, s_months[t.Month - 1]); break;
                case (byte)'B': o += Copy(d, s_longMonths[t.Month - 1]); break;
                case (byte)'T': o += Clock(d, t, seconds: true); break;
                case (byte)'R': o += Clock(d, t, seconds: false); break;
                case (byte)'D':
                    o += Number(d, t.Month, 2);
                    output[o++] = (byte)'/';
                    o += Number(output[o..], t.Day, 2);
                    output[o++] = (byte)'/';
                    o += Number(output[o..], t.Year % 100, 2);
                    break;
                case (byte)'F':
                    o += Number(d, t.Year, 4);
                    output[o++] = (byte)'-';
                    o += Number(output[o..], t.Month, 2);
                    output[o++] = (byte)'-';
                    o += Number(output[o..], t.Day, 2);
                    break;
                case (byte)'s': o += Long(d, t.ToUnixTimeSeconds()); break;
                case (byte)'u': o += Number(d, t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek, 1); break;
                case (byte)'w': o += Number(d, (int)t.DayOfWeek, 1); break;
                case (byte)'z':
                    int minutes = (int)t.Offset.TotalMinutes;
                    d[0] = minutes < 0 ? (byte)'-' : (byte)'+';
                    minutes = Math.Abs(minutes);
                    o += 1 + Number(d[1..], minutes / 60 * 100 + minutes % 60, 4);
                    break;
                case (byte)'n': d[0] = (byte)'\n'; o++; break;
                case (byte)'t': d[0] = (byte)'\t'; o++; break;
                case (byte)'%': d[0] = (byte)'%'; o++; break;
                default:
                    d[0] = (byte)'%';
                    d[1] = f;
                    o += 2;
                    break;
            }
        }

        return o;
    }

    private static bool Put(Span<byte> output, ref int o, byte c)
    {
        if (o == output.Length)
        {
            return false;
        }

        output[o++] = c;
        return true;
    }

    private static int Copy(Span<byte> d, ReadOnlySpan<byte> text)
    {
        text.CopyTo(d);
        return text.Length;
    }

    private static int Clock(Span<byte> d, DateTimeOffset t, bool seconds)
    {
        int o = Number(d, t.Hour, 2);
        d[o++] = (byte)':';
        o += Number(d[o..], t.Minute, 2);
        if (seconds)
        {
            d[o++] = (byte)':';
            o += Number(d[o..], t.Second, 2);
        }

        return o;
    }

    /// <summary>A non-negative number zero-padded to <paramref name="width"/> digits.</summary>
    private static int Number(Span<byte> d, int value, int width)
    {
        for (int i = width - 1; i >= 0; i--)
        {
            d[i] = (byte)('0' + value % 10);
            value /= 10;
        }

        return width;
    }

    private static int Long(Span<byte> d, long value)
    {
        int n = 0;
        long v = value;
        do
        {
            n++;
            v /= 10;
        }
        while (v > 0);

        for (int i = n - 1; i >= 0; i--)
        {
            d[i] = (byte)('0' + value % 10);
            value /= 10;
        }

        return n;
    }
}
