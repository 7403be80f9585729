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
        int p = pos;
        if (p >= s.Length)
        {
            name = default;
            value = TextRange.None;
            error = false;
            return false;
        }

        if ((uint)(p + 1) < (uint)s.Length && s[p] == ';' && SipText.IsTokenChar(s[p + 1]))
        {
            // The usual spelling: ";name" or ";name=value" with no LWS and a plain (unquoted, non-[IPv6]) value.
            // One vector scan finds the end of the parameter; anything else takes the general path below.
            int ns = p + 1;
            int pe = s[ns..].IndexOfAny(SipText.ParamValueStop);
            pe = pe < 0 ? s.Length : ns + pe;
            int n = ns + 1;
            while (n < pe && SipText.IsTokenChar(s[n]))
            {
                n++;
            }

            if (n == pe && (pe == s.Length || !SipText.IsLws(s[pe])))
            {
                name = new TextRange(ns, n - ns);
                value = TextRange.None;
                error = false;
                pos = n;
                return true;
            }

            if (s[n] == '=' && n + 1 < pe && s[n + 1] != '[')
            {
                name = new TextRange(ns, n - ns);
                value = new TextRange(n + 1, pe - n - 1);
                error = false;
                pos = pe;
                return true;
            }

            if (s[n] == '=' && pe == n + 1 && pe < s.Length && s[pe] == '"')
            {
                // A quoted value directly after '=' (+sip.instance="<urn:...>"): the general path would find the same end.
                int q = QuotedEnd(s, pe);
                if (q > 0)
                {
                    name = new TextRange(ns, n - ns);
                    value = new TextRange(pe, q - pe);
                    error = false;
                    pos = q;
                    return true;
                }
            }
        }

        return TryNextGeneral(s, ref pos, out name, out value, out error);
    }

    /// <summary>The general parameter reader (any LWS, quoted and [IPv6] values); <see cref="TryNext"/> defers to it off the usual spelling.</summary>
    internal static bool TryNextGeneral(ReadOnlySpan<byte> s, ref int pos, out TextRange name, out TextRange value, out bool error)
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
        int n = s[i..].IndexOfAnyExcept(SipText.Token);
        n = n < 0 ? s.Length : i + n;

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

        int j = s[i..].IndexOfAny(SipText.ParamValueStop);
        return j < 0 ? s.Length : i + j;
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
