namespace Hyperproxy.Sip;

/// <summary>
/// A sip:, sips: or tel: URI (RFC 3261 §19.1, RFC 3966) as ranges relative to the span it was parsed from.
/// Nothing is unescaped: <see cref="User"/> keeps its %HH escapes; compare with <see cref="Equivalent"/>.
/// Absent parts are <see cref="TextRange.None"/>; a flag parameter (lr) is present with an empty range.
/// </summary>
public partial struct SipUri
{
    public UriScheme Scheme { get; private set; }

    /// <summary>The user part (tel: the number).</summary>
    public TextRange User { get; private set; }

    public TextRange Password { get; private set; }

    /// <summary>Host; an IPv6 reference includes its brackets. None for tel:.</summary>
    public TextRange Host { get; private set; }

    public HostKind HostKind { get; private set; }

    public TextRange Port { get; private set; }

    /// <summary>Port number or 0 when absent.</summary>
    public int PortNumber { get; private set; }

    /// <summary>All parameters from the first ';' (included) to '?' or the end.</summary>
    public TextRange Params { get; private set; }

    /// <summary>Headers after '?' ('?' excluded).</summary>
    public TextRange Headers { get; private set; }

    public TextRange Transport { get; private set; }

    public TextRange UserParam { get; private set; }

    public TextRange MethodParam { get; private set; }

    public TextRange Ttl { get; private set; }

    public TextRange Maddr { get; private set; }

    public bool Lr { get; private set; }

    /// <summary>The whole URI.</summary>
    public TextRange Value { get; private set; }

    /// <summary>Parses a URI occupying all of <paramref name="s"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out SipUri uri)
    {
        uri = default;
        uri.User = uri.Password = uri.Host = uri.Port = uri.Params = uri.Headers = TextRange.None;
        uri.Transport = uri.UserParam = uri.MethodParam = uri.Ttl = uri.Maddr = TextRange.None;
        uri.Value = new TextRange(0, s.Length);
        int colon = s.IndexOf((byte)':');
        if (colon <= 0)
        {
            return false;
        }

        ReadOnlySpan<byte> scheme = s[..colon];
        int i = colon + 1;
        if (SipText.EqualsLower(scheme, "sip"u8))
        {
            uri.Scheme = UriScheme.Sip;
        }
        else if (SipText.EqualsLower(scheme, "sips"u8))
        {
            uri.Scheme = UriScheme.Sips;
        }
        else if (SipText.EqualsLower(scheme, "tel"u8))
        {
            uri.Scheme = UriScheme.Tel;
            return ParseTel(s, i, ref uri);
        }
        else
        {
            return false;
        }

        int at = s[i..].IndexOf((byte)'@');
        if (at >= 0)
        {
            at += i;
            ReadOnlySpan<byte> userinfo = s[i..at];
            int pw = userinfo.IndexOf((byte)':');
            int userEnd = pw < 0 ? at : i + pw;
            if (userEnd == i || !ValidEscapes(s[i..at]))
            {
                return false;
            }

            uri.User = TextRange.FromBounds(i, userEnd);
            if (pw >= 0)
            {
                uri.Password = TextRange.FromBounds(userEnd + 1, at);
            }

            i = at + 1;
        }

        if (i >= s.Length)
        {
            return false;
        }

        int hostEnd;
        if (s[i] == '[')
        {
            int close = s[i..].IndexOf((byte)']');
            if (close < 3 || s.Slice(i + 1, close - 1).ContainsAnyExcept("0123456789abcdefABCDEF:."u8))
            {
                return false;
            }

            hostEnd = i + close + 1;
            uri.HostKind = HostKind.IPv6;
        }
        else
        {
            int n = s[i..].IndexOfAnyExcept(SipText.HostChars);
            hostEnd = n < 0 ? s.Length : i + n;
            if (hostEnd == i)
            {
                return false;
            }

            uri.HostKind = IsIPv4(s[i..hostEnd]) ? HostKind.IPv4 : HostKind.Name;
        }

        uri.Host = TextRange.FromBounds(i, hostEnd);
        i = hostEnd;
        if (i < s.Length && s[i] == ':')
        {
            int e = i + 1;
            while (e < s.Length && SipText.IsDigit(s[e]))
            {
                e++;
            }

            if (!SipText.TryParseUInt(s[(i + 1)..e], 65535, out uint port))
            {
                return false;
            }

            uri.Port = TextRange.FromBounds(i + 1, e);
            uri.PortNumber = (int)port;
            i = e;
        }

        return ParseParamsAndHeaders(s, i, ref uri);
    }

    private static bool ParseTel(ReadOnlySpan<byte> s, int i, ref SipUri uri)
    {
        int e = s[i..].IndexOfAny((byte)';', (byte)'?');
        int end = e < 0 ? s.Length : i + e;
        if (end == i || s[i..end].ContainsAny(SipText.Lws))
        {
            return false;
        }

        uri.User = TextRange.FromBounds(i, end);
        return ParseParamsAndHeaders(s, end, ref uri);
    }

    private static bool ParseParamsAndHeaders(ReadOnlySpan<byte> s, int i, ref SipUri uri)
    {
        int q = s[i..].IndexOf((byte)'?');
        int paramsEnd = q < 0 ? s.Length : i + q;
        if (i < paramsEnd)
        {
            if (s[i] != ';')
            {
                return false;
            }

            uri.Params = TextRange.FromBounds(i, paramsEnd);
            int p = i;
            while (p < paramsEnd)
            {
                int start = p + 1;
                int next = s[start..paramsEnd].IndexOf((byte)';');
                int end = next < 0 ? paramsEnd : start + next;
                int eq = s[start..end].IndexOf((byte)'=');
                int nameEnd = eq < 0 ? end : start + eq;
                if (nameEnd == start || !ValidEscapes(s[start..end]) || s[start..end].ContainsAny(SipText.Lws))
                {
                    return false;
                }

                TextRange value = eq < 0 ? new TextRange(end, 0) : TextRange.FromBounds(nameEnd + 1, end);
                uri.SetKnownParam(s[start..nameEnd], value);
                p = end;
            }
        }

        if (q >= 0)
        {
            uri.Headers = TextRange.FromBounds(paramsEnd + 1, s.Length);
            if (!ValidEscapes(s[(paramsEnd + 1)..]) || s[(paramsEnd + 1)..].ContainsAny(SipText.Lws))
            {
                return false;
            }
        }

        return true;
    }

    private void SetKnownParam(ReadOnlySpan<byte> name, TextRange value)
    {
        switch (name.Length)
        {
            case 2 when SipText.EqualsLower(name, "lr"u8):
                Lr = true;
                break;
            case 3 when SipText.EqualsLower(name, "ttl"u8):
                Ttl = value;
                break;
            case 4 when SipText.EqualsLower(name, "user"u8):
                UserParam = value;
                break;
            case 5 when SipText.EqualsLower(name, "maddr"u8):
                Maddr = value;
                break;
            case 6 when SipText.EqualsLower(name, "method"u8):
                MethodParam = value;
                break;
            case 9 when SipText.EqualsLower(name, "transport"u8):
                Transport = value;
                break;
        }
    }

    private static bool IsIPv4(ReadOnlySpan<byte> h)
    {
        int dots = 0;
        int digits = 0;
        foreach (byte b in h)
        {
            if (b == '.')
            {
                if (digits == 0)
                {
                    return false;
                }

                dots++;
                digits = 0;
            }
            else if (SipText.IsDigit(b) && digits < 3)
            {
                digits++;
            }
            else
            {
                return false;
            }
        }

        return dots == 3 && digits > 0;
    }

    /// <summary>Every '%' is followed by two hex digits.</summary>
    private static bool ValidEscapes(ReadOnlySpan<byte> s)
    {
        int i = s.IndexOf((byte)'%');
        while (i >= 0)
        {
            if (i + 2 >= s.Length || SipText.HexValue(s[i + 1]) < 0 || SipText.HexValue(s[i + 2]) < 0)
            {
                return false;
            }

            int next = s[(i + 3)..].IndexOf((byte)'%');
            i = next < 0 ? -1 : i + 3 + next;
        }

        return true;
    }
}
