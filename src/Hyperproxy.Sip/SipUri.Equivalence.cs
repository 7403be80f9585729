namespace Hyperproxy.Sip;

public partial struct SipUri
{
    /// <summary>
    /// URI equivalence per RFC 3261 §19.1.4: same scheme; userinfo equal case-sensitively after unescaping; host
    /// case-insensitive; port present in both and equal, or absent in both; user, ttl, method, maddr and transport
    /// parameters present in both with equal values or absent in both; any other parameter present in both must
    /// match (one-sided ones are ignored); header components must all appear in both and match. No allocation.
    /// </summary>
    public static bool Equivalent(ReadOnlySpan<byte> spanA, in SipUri a, ReadOnlySpan<byte> spanB, in SipUri b)
    {
        if (a.Scheme != b.Scheme || a.Scheme == UriScheme.Other)
        {
            return false;
        }

        if (a.Scheme == UriScheme.Tel)
        {
            if (!EqualsUnescaped(Part(spanA, a.User), Part(spanB, b.User), ignoreCase: true))
            {
                return false;
            }
        }
        else
        {
            if (a.User.IsPresent != b.User.IsPresent || a.Password.IsPresent != b.Password.IsPresent
                || !EqualsUnescaped(Part(spanA, a.User), Part(spanB, b.User), ignoreCase: false)
                || !EqualsUnescaped(Part(spanA, a.Password), Part(spanB, b.Password), ignoreCase: false)
                || !EqualsUnescaped(Part(spanA, a.Host), Part(spanB, b.Host), ignoreCase: true)
                || a.Port.IsPresent != b.Port.IsPresent || a.PortNumber != b.PortNumber)
            {
                return false;
            }
        }

        if (!ParamsMatch(spanA, a.Params, spanB, b.Params) || !ParamsMatch(spanB, b.Params, spanA, a.Params))
        {
            return false;
        }

        return HeadersMatch(spanA, a.Headers, spanB, b.Headers) && HeadersMatch(spanB, b.Headers, spanA, a.Headers);
    }

    /// <summary>Convenience: parses both and compares; false when either does not parse.</summary>
    public static bool Equivalent(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        TryParse(a, out SipUri ua) && TryParse(b, out SipUri ub) && Equivalent(a, ua, b, ub);

    /// <summary>Compares two byte strings decoding %HH escapes on the fly, optionally ignoring ASCII case.</summary>
    public static bool EqualsUnescaped(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, bool ignoreCase)
    {
        int i = 0;
        int j = 0;
        while (i < a.Length && j < b.Length)
        {
            int ca = Next(a, ref i);
            int cb = Next(b, ref j);
            if (ca != cb && (!ignoreCase || Lower(ca) != Lower(cb)))
            {
                return false;
            }
        }

        return i == a.Length && j == b.Length;
    }

    private static int Next(ReadOnlySpan<byte> s, ref int i)
    {
        byte c = s[i];
        if (c == '%' && i + 2 < s.Length)
        {
            int hi = SipText.HexValue(s[i + 1]);
            int lo = SipText.HexValue(s[i + 2]);
            if (hi >= 0 && lo >= 0)
            {
                i += 3;
                return (hi << 4) | lo;
            }
        }

        i++;
        return c;
    }

    private static int Lower(int c) => (uint)(c - 'A') <= 'Z' - 'A' ? c | 0x20 : c;

    private static ReadOnlySpan<byte> Part(ReadOnlySpan<byte> s, TextRange r) => r.Start < 0 ? default : s.Slice(r.Start, r.Length);

    /// <summary>Every parameter of <paramref name="pa"/> is compatible with <paramref name="pb"/>.</summary>
    private static bool ParamsMatch(ReadOnlySpan<byte> sa, TextRange pa, ReadOnlySpan<byte> sb, TextRange pb)
    {
        ReadOnlySpan<byte> a = Part(sa, pa);
        ReadOnlySpan<byte> b = Part(sb, pb);
        int p = 0;
        while (p < a.Length)
        {
            int start = p + 1;
            int next = a[start..].IndexOf((byte)';');
            int end = next < 0 ? a.Length : start + next;
            ReadOnlySpan<byte> param = a[start..end];
            int eq = param.IndexOf((byte)'=');
            ReadOnlySpan<byte> name = eq < 0 ? param : param[..eq];
            bool found = TryFindParam(b, name, out ReadOnlySpan<byte> other, out bool otherHasValue);
            bool special = IsSpecial(name);
            if (!found)
            {
                if (special)
                {
                    return false;
                }
            }
            else
            {
                bool caseSensitive = SipText.EqualsLower(name, "method"u8);
                if ((eq >= 0) != otherHasValue
                    || (eq >= 0 && !EqualsUnescaped(param[(eq + 1)..], other, ignoreCase: !caseSensitive)))
                {
                    return false;
                }
            }

            p = end;
        }

        return true;
    }

    private static bool IsSpecial(ReadOnlySpan<byte> name) =>
        SipText.EqualsLower(name, "user"u8) || SipText.EqualsLower(name, "ttl"u8) || SipText.EqualsLower(name, "method"u8)
        || SipText.EqualsLower(name, "maddr"u8) || SipText.EqualsLower(name, "transport"u8);

    private static bool TryFindParam(ReadOnlySpan<byte> ps, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value, out bool hasValue)
    {
        int p = 0;
        while (p < ps.Length)
        {
            int start = p + 1;
            int next = ps[start..].IndexOf((byte)';');
            int end = next < 0 ? ps.Length : start + next;
            ReadOnlySpan<byte> param = ps[start..end];
            int eq = param.IndexOf((byte)'=');
            ReadOnlySpan<byte> n = eq < 0 ? param : param[..eq];
            if (EqualsUnescaped(n, name, ignoreCase: true))
            {
                hasValue = eq >= 0;
                value = eq < 0 ? default : param[(eq + 1)..];
                return true;
            }

            p = end;
        }

        value = default;
        hasValue = false;
        return false;
    }

    /// <summary>Every header of <paramref name="ha"/> appears in <paramref name="hb"/> with an equal value.</summary>
    private static bool HeadersMatch(ReadOnlySpan<byte> sa, TextRange ha, ReadOnlySpan<byte> sb, TextRange hb)
    {
        ReadOnlySpan<byte> a = Part(sa, ha);
        ReadOnlySpan<byte> b = Part(sb, hb);
        int p = 0;
        while (p < a.Length)
        {
            int next = a[p..].IndexOf((byte)'&');
            int end = next < 0 ? a.Length : p + next;
            ReadOnlySpan<byte> h = a[p..end];
            int eq = h.IndexOf((byte)'=');
            ReadOnlySpan<byte> name = eq < 0 ? h : h[..eq];
            ReadOnlySpan<byte> value = eq < 0 ? default : h[(eq + 1)..];
            if (!HasHeader(b, name, value))
            {
                return false;
            }

            p = end + 1;
        }

        return true;
    }

    private static bool HasHeader(ReadOnlySpan<byte> hs, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        int p = 0;
        while (p < hs.Length)
        {
            int next = hs[p..].IndexOf((byte)'&');
            int end = next < 0 ? hs.Length : p + next;
            ReadOnlySpan<byte> h = hs[p..end];
            int eq = h.IndexOf((byte)'=');
            ReadOnlySpan<byte> n = eq < 0 ? h : h[..eq];
            ReadOnlySpan<byte> v = eq < 0 ? default : h[(eq + 1)..];
            if (EqualsUnescaped(n, name, ignoreCase: true) && EqualsUnescaped(v, value, ignoreCase: false))
            {
                return true;
            }

            p = end + 1;
        }

        return false;
    }
}
