using System.Runtime.CompilerServices;

namespace Hyperproxy.Sip.Headers;

/// <summary>The single-pass list element reader: parses an element in place and finds where it ends.</summary>
public partial struct NameAddr
{
    /// <summary>
    /// Parses the list element starting at <paramref name="start"/> (its first non-LWS byte) in <paramref name="s"/>,
    /// which ends where the header value ends; ranges are indices into <paramref name="s"/>. Covers the usual spelling:
    /// an optional quoted or token display name, a URI in &lt;&gt;, then <c>;name[=value]</c> parameters without LWS
    /// (plain or quoted values), then optional LWS and ',' or the end. Returns the index of that ',' or
    /// <c>s.Length</c>; -1 when the element is spelt otherwise or is malformed, and the caller then splits the list
    /// and uses <see cref="TryParse"/>, which decides. Where this returns an element, splitting plus
    /// <see cref="TryParse"/> gives the same one: nothing here may cross a top-level comma.
    /// </summary>
    internal static int TryParseElement(ReadOnlySpan<byte> s, int start, out NameAddr na)
    {
        na = default;
        na.DisplayName = na.Params = na.Tag = na.Expires = na.Q = na.Instance = na.RegId = TextRange.None;
        if ((uint)start >= (uint)s.Length)
        {
            return -1;
        }

        int lt = start;
        byte first = s[start];
        if (first == '"')
        {
            int q = SipParams.QuotedEnd(s, start);
            if (q < 0)
            {
                return -1;
            }

            na.DisplayName = TextRange.FromBounds(start, q);
            lt = SipText.SkipLws(s, q);
        }
        else if (first != '<')
        {
            // A token display name: tokens and LWS up to '<' (a bare '*', an addr-spec or anything else stops short).
            while (lt < s.Length && (SipText.IsTokenChar(s[lt]) || SipText.IsLws(s[lt])))
            {
                lt++;
            }

            na.DisplayName = TextRange.FromBounds(start, SipText.TrimEnd(s, start, lt));
        }

        if (lt >= s.Length || s[lt] != '<')
        {
            return -1;
        }

        int pos = BracketedUri(s, lt, 0, ref na);
        if (pos < 0)
        {
            return -1;
        }

        na.UriEnd = pos;
        int elementEnd = pos;
        while (pos < s.Length)
        {
            byte c = s[pos];
            if (c == ';')
            {
                pos = ReadParam(s, pos, ref na);
                if (pos < 0)
                {
                    return -1;
                }

                elementEnd = pos;
                continue;
            }

            if (c != ',')
            {
                int j = SipText.SkipLws(s, pos);
                if (j == pos || (j < s.Length && s[j] != ','))
                {
                    return -1;
                }

                pos = j;
            }

            break;
        }

        if (elementEnd > na.UriEnd)
        {
            na.Params = TextRange.FromBounds(na.UriEnd, elementEnd);
        }

        na.Value = TextRange.FromBounds(start, elementEnd);
        return pos;
    }

    /// <summary>Reads <c>;name[=value]</c> at <paramref name="pos"/> (a ';'); returns the index after it or -1 off the usual spelling.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReadParam(ReadOnlySpan<byte> s, int pos, ref NameAddr na)
    {
        int ns = pos + 1;
        int n = ns;
        while (n < s.Length && SipText.IsTokenChar(s[n]))
        {
            n++;
        }

        if (n == ns)
        {
            return -1;
        }

        TextRange value = TextRange.None;
        int next = n;
        if (n < s.Length && s[n] == '=')
        {
            int vs = n + 1;
            if (vs >= s.Length)
            {
                return -1;
            }

            byte f = s[vs];
            if (f == '"')
            {
                next = SipParams.QuotedEnd(s, vs);
                if (next < 0)
                {
                    return -1;
                }
            }
            else
            {
                int r = s[vs..].IndexOfAny(SipText.ParamValueStop);
                next = r < 0 ? s.Length : vs + r;
                if (next == vs || f == '[')
                {
                    return -1;
                }
            }

            value = TextRange.FromBounds(vs, next);
        }

        na.SetParam(s.Slice(ns, n - ns), value);
        return next;
    }

    /// <summary>Records a parameter the struct names (tag, q, expires, +sip.instance, reg-id); <paramref name="value"/> is already offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetParam(ReadOnlySpan<byte> name, TextRange value)
    {
        switch (name.Length)
        {
            case 1 when (name[0] | 0x20) == 'q':
                Q = value;
                break;
            case 3 when SipText.EqualsLower(name, "tag"u8):
                Tag = value;
                break;
            case 6 when SipText.EqualsLower(name, "reg-id"u8):
                RegId = value;
                break;
            case 7 when SipText.EqualsLower(name, "expires"u8):
                Expires = value;
                break;
            case 13 when SipText.EqualsLower(name, "+sip.instance"u8):
                Instance = value;
                break;
        }
    }
}
