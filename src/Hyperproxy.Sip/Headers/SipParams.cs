namespace Hyperproxy.Sip.Headers;

/// <summary>Parses <c>*( SWS ";" SWS name [ SWS "=" SWS value ] )</c> parameter lists (values: token-ish, quoted, [IPv6]).</summary>
public static class SipParams
{
    /// <summary>
    /// Reads the next parameter starting at <paramref name="pos"/> (which may point at LWS before ';').
    /// Returns false at the end of the span (<paramref name="error"/> false) or on malformed input (true).
    /// <paramref name="value"/> is <see cref="TextRange.None"/> for a parameter without '='; quoted values keep their quotes.
    /// </summary>
    public static bool TryNext(ReadOnlySpan<byte> s, ref int pos, out TextRange name, out TextRange value, out bool error)
    {
        name = default;
        value = TextRange.None;
        error = false;
        int i = SipText.SkipLws(s, pos);
        if (i >= s.Length)
        {
            pos = i;
            return false;
        }

        if (s[i] != ';')
        {
            error = true;
            return false;
        }

        i = SipText.SkipLws(s, i + 1);
        int n = i;
        while (n < s.Length && SipText.IsTokenChar(s[n]))
        {
            n++;
        }

        if (n == i)
        {
            error = true;
            return false;
        }

        name = TextRange.FromBounds(i, n);
        int j = SipText.SkipLws(s, n);
        if (j < s.Length && s[j] == '=')
        {
            j = SipText.SkipLws(s, j + 1);
            int end = ValueEnd(s, j);
            if (end <= j)
            {
                error = true;
                return false;
            }

            value = TextRange.FromBounds(j, end);
            pos = end;
        }
        else
        {
            pos = n;
        }

        return true;
    }

    /// <summary>End of a parameter value starting at <paramref name="i"/>; -1 for an unterminated quoted string.</summary>
    internal static int ValueEnd(ReadOnlySpan<byte> s, int i)
    {
        if (i >= s.Length)
        {
            return i;
        }

        if (s[i] == '"')
        {
            int q = QuotedEnd(s, i);
            return q;
        }

        if (s[i] == '[')
        {
            int close = s[i..].IndexOf((byte)']');
            return close < 0 ? -1 : i + close + 1;
        }

        int j = i;
        while (j < s.Length && !SipText.IsParamValueStop(s[j]))
        {
            j++;
        }

        return j;
    }

    /// <summary>Index just past the closing quote of a quoted string starting at <paramref name="i"/>, or -1.</summary>
    public static int QuotedEnd(ReadOnlySpan<byte> s, int i)
    {
        int j = i + 1;
        while (j < s.Length)
        {
            int k = s[j..].IndexOfAny((byte)'"', (byte)'\\');
            if (k < 0)
            {
                return -1;
            }

            j += k;
            if (s[j] == '"')
            {
                return j + 1;
            }

            j += 2;
        }

        return -1;
    }

    /// <summary>Finds a parameter by name (case-insensitive) in a params range; returns its value (None when valueless).</summary>
    public static bool TryFind(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lowerName, out TextRange value)
    {
        int pos = 0;
        while (TryNext(s, ref pos, out TextRange name, out TextRange v, out _))
        {
            if (SipText.EqualsIgnoreCase(s.Slice(name.Start, name.Length), lowerName))
            {
                value = v;
                return true;
            }
        }

        value = TextRange.None;
        return false;
    }
}
