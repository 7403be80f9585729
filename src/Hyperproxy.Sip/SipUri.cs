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

    /// <summary>Every part absent: the starting point of a parse (one copy instead of a field-by-field reset).</summary>
    private static readonly SipUri s_absent = new()
    {
        User = TextRange.None, Password = TextRange.None, Host = TextRange.None, Port = TextRange.None,
        Params = TextRange.None, Headers = TextRange.None, Transport = TextRange.None, UserParam = TextRange.None,
        MethodParam = TextRange.None, Ttl = TextRange.None, Maddr = TextRange.None,
    };

    /// <summary>Parses a URI occupying all of <paramref name="s"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out SipUri uri)
    {
        uri = s_absent;
        uri.Value = new TextRange(0, s.Length);
        int i = SchemeEnd(s, out UriScheme scheme);
        if (i < 0)
        {
            return false;
        }

        uri.Scheme = scheme;
        if (scheme == UriScheme.Tel)
        {
            return ParseTel(s, i, ref uri);
        }

        int at = s[i..].IndexOf((byte)'@');
        if (at >= 0)
        {
            at += i;
            ReadOnlySpan<byte> userinfo = s[i..at];
            int special = userinfo.IndexOfAny((byte)':', (byte)'%');
            int pw = special < 0 || userinfo[special] == ':' ? special : userinfo.IndexOf((byte)':');
            int userEnd = pw < 0 ? at : i + pw;
            if (userEnd == i || (special >= 0 && !ValidEscapes(userinfo[special..])))
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

        int hostEnd = HostEnd(s, i);
        if (hostEnd < 0)
        {
            return false;
        }

        uri.HostKind = s[i] == '[' ? HostKind.IPv6 : IsIPv4(s[i..hostEnd]) ? HostKind.IPv4 : HostKind.Name;
        uri.Host = TextRange.FromBounds(i, hostEnd);
        i = PortEnd(s, hostEnd, out int port);
        if (i < 0)
        {
            return false;
        }

        if (i > hostEnd)
        {
            uri.Port = TextRange.FromBounds(hostEnd + 1, i);
            uri.PortNumber = port;
        }

        return ParseParamsAndHeaders(s, i, ref uri);
    }

    /// <summary>
    /// The scheme and host of a sip:/sips: URI, by the rules of <see cref="TryParse"/> and nothing after the host
    /// read: for "is this me" checks that can rule a host out before reading its port (<see cref="TryParsePort"/>).
    /// The user part (like its escapes) is not validated.
    /// </summary>
    public static bool TryFindHost(ReadOnlySpan<byte> s, out UriScheme scheme, out TextRange host)
    {
        host = TextRange.None;
        int i = SchemeEnd(s, out scheme);
        if (i < 0 || scheme == UriScheme.Tel)
        {
            return false;
        }

        int at = s[i..].IndexOf((byte)'@');
        if (at >= 0)
        {
            if (at == 0 || s[i] == ':')
            {
                return false;
            }

            i += at + 1;
        }

        return TryFindHostAt(s, i, out host);
    }

    /// <summary>The host that starts at <paramref name="start"/> (an IPv6 reference or host characters), as <see cref="TryFindHost"/> reads it.</summary>
    public static bool TryFindHostAt(ReadOnlySpan<byte> s, int start, out TextRange host)
    {
        int hostEnd = HostEnd(s, start);
        host = hostEnd < 0 ? TextRange.None : TextRange.FromBounds(start, hostEnd);
        return hostEnd >= 0;
    }

    /// <summary>
    /// The ":port" (0 when absent) right after the host that ends at <paramref name="hostEnd"/>, by the rules of
    /// <see cref="TryParse"/>; what follows must start the parameters or headers (which are not validated).
    /// </summary>
    public static bool TryParsePort(ReadOnlySpan<byte> s, int hostEnd, out int port)
    {
        int end = PortEnd(s, hostEnd, out port);
        return end >= 0 && (end == s.Length || s[end] == ';' || s[end] == '?');
    }

    /// <summary>The index after "sip:", "sips:" or "tel:" (any case); -1 for another scheme.</summary>
    private static int SchemeEnd(ReadOnlySpan<byte> s, out UriScheme scheme)
    {
        scheme = UriScheme.Sip;
        if (s.Length > 4 && (s[0] | 0x20) == 's' && (s[1] | 0x20) == 'i' && (s[2] | 0x20) == 'p')
        {
            if (s[3] == ':')
            {
                return 4;
            }

            scheme = UriScheme.Sips;
            return (s[3] | 0x20) == 's' && s[4] == ':' ? 5 : -1;
        }

        scheme = UriScheme.Tel;
        return s.Length > 4 && (s[0] | 0x20) == 't' && (s[1] | 0x20) == 'e' && (s[2] | 0x20) == 'l' && s[3] == ':' ? 4 : -1;
    }

    /// <summary>The end of the host starting at <paramref name="i"/>: an IPv6 reference or host characters; -1 when there is none.</summary>
    private static int HostEnd(ReadOnlySpan<byte> s, int i)
    {
        if (i >= s.Length)
        {
            return -1;
        }

        if (s[i] == '[')
        {
            int close = s[i..].IndexOf((byte)']');
            return close < 3 || s.Slice(i + 1, close - 1).ContainsAnyExcept("0123456789abcdefABCDEF:."u8) ? -1 : i + close + 1;
        }

        int n = s[i..].IndexOfAnyExcept(SipText.HostChars);
        return n == 0 ? -1 : n < 0 ? s.Length : i + n;
    }

    /// <summary>
    /// After the host at <paramref name="i"/>: a ":port" (0..65535) is consumed and its end returned; no ':' returns
    /// <paramref name="i"/> with port 0; a bad port returns -1.
    /// </summary>
    private static int PortEnd(ReadOnlySpan<byte> s, int i, out int port)
    {
        port = 0;
        if (i >= s.Length || s[i] != ':')
        {
            return i;
        }

        int e = i + 1;
        int value = 0;
        while (e < s.Length)
        {
            uint d = (uint)(s[e] - '0');
            if (d > 9)
            {
                break;
            }

            value = (value * 10) + (int)d;
            if (value > 65535)
            {
                return -1;
            }

            e++;
        }

        if (e == i + 1)
        {
            return -1;
        }

        port = value;
        return e;
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
        if (i == s.Length)
        {
            return true;
        }

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
