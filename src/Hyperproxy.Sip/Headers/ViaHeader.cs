namespace Hyperproxy.Sip.Headers;

/// <summary>
/// One via-parm (RFC 3261 §20.42, RFC 3581). Ranges are relative to the base offset given to <see cref="TryParse"/>
/// (the message start when parsed through <see cref="SipMessage"/>); absent items are <see cref="TextRange.None"/>.
/// </summary>
public partial struct ViaHeader
{
    /// <summary>Whole via-parm.</summary>
    public TextRange Value { get; private set; }

    public TextRange ProtocolName { get; private set; }

    public TextRange ProtocolVersion { get; private set; }

    public TextRange Transport { get; private set; }

    /// <summary>sent-by host; an IPv6 reference keeps its brackets.</summary>
    public TextRange Host { get; private set; }

    public bool HostIsIPv6 { get; private set; }

    public TextRange Port { get; private set; }

    /// <summary>Port number, 0 when absent.</summary>
    public int PortNumber { get; private set; }

    /// <summary>End of sent-by (where ;received=... is inserted by a server).</summary>
    public int SentByEnd { get; private set; }

    /// <summary>All parameters from the first ';' to the end.</summary>
    public TextRange Params { get; private set; }

    public TextRange Branch { get; private set; }

    public TextRange Received { get; private set; }

    /// <summary>True when an rport parameter is present (with or without value).</summary>
    public bool HasRport { get; private set; }

    /// <summary>The whole rport parameter (";rport" or ";rport=1234"), for replacing it.</summary>
    public TextRange RportParam { get; private set; }

    /// <summary>rport value; None when rport has no value.</summary>
    public TextRange Rport { get; private set; }

    public TextRange Maddr { get; private set; }

    public TextRange Ttl { get; private set; }

    /// <summary>Parses one via-parm (no commas) from <paramref name="v"/>; ranges get <paramref name="baseOffset"/> added.</summary>
    public static bool TryParse(ReadOnlySpan<byte> v, int baseOffset, out ViaHeader via) =>
        Parse(v, 0, baseOffset, false, out via) >= 0;

    /// <summary>
    /// Parses the via-parm starting at <paramref name="start"/> in <paramref name="v"/> (ranges get <paramref name="b"/>
    /// added). Alone (<paramref name="list"/> false) the via-parm is all of <paramref name="v"/>: returns its length, or -1
    /// when malformed. In a list it ends at a top-level ',' or the end of <paramref name="v"/>: returns that index, or -1
    /// when the via-parm is malformed or spelt in a way a comma split could read differently (the caller then splits).
    /// </summary>
    private static int Parse(ReadOnlySpan<byte> v, int start, int b, bool list, out ViaHeader via)
    {
        via = default;
        via.Branch = via.Received = via.Rport = via.Maddr = via.Ttl = via.Port = via.Params = via.RportParam = TextRange.None;
        int i = SipText.SkipLws(v, start);
        start = i;
        TextRange name;
        TextRange version;
        TextRange transport;
        if (v.Length - i > 8 && SipText.EqualsLower(v.Slice(i, 8), "sip/2.0/"u8))
        {
            // The common spelling without LWS around the slashes.
            name = new TextRange(i, 3);
            version = new TextRange(i + 4, 3);
            i += 8;
            if (!Token(v, ref i, out transport))
            {
                return -1;
            }
        }
        else if (!Token(v, ref i, out name) || !Slash(v, ref i) || !Token(v, ref i, out version)
            || !Slash(v, ref i) || !Token(v, ref i, out transport))
        {
            return -1;
        }

        int h = SipText.SkipLws(v, i);
        if (h == i || h >= v.Length)
        {
            return -1;
        }

        int hostEnd;
        if (v[h] == '[')
        {
            int close = v[h..].IndexOf((byte)']');
            if (close < 3 || v.Slice(h + 1, close - 1).ContainsAnyExcept("0123456789abcdefABCDEF:."u8))
            {
                return -1;
            }

            hostEnd = h + close + 1;
            via.HostIsIPv6 = true;
        }
        else
        {
            hostEnd = v[h..].IndexOfAnyExcept(SipText.HostChars);
            hostEnd = hostEnd < 0 ? v.Length : h + hostEnd;

            if (hostEnd == h)
            {
                return -1;
            }
        }

        via.Host = new TextRange(h + b, hostEnd - h);
        int sentByEnd = hostEnd;
        int p = SipText.SkipLws(v, hostEnd);
        if (p < v.Length && v[p] == ':')
        {
            int d = SipText.SkipLws(v, p + 1);
            int e = d;
            uint port = 0;
            while (e < v.Length && SipText.IsDigit(v[e]) && e - d < 6)
            {
                port = (port * 10) + (uint)(v[e] - '0');
                e++;
            }

            if (e == d || port == 0 || (e < v.Length && SipText.IsDigit(v[e])) || port > 65535)
            {
                // Empty, zero, more than 6 digits (leading zeros) or too large: the general number parser decides.
                if (!SipText.TryParseUInt(v[d..SkipDigits(v, e)], 65535, out port) || port == 0)
                {
                    return -1;
                }

                e = SkipDigits(v, e);
            }

            via.Port = new TextRange(d + b, e - d);
            via.PortNumber = (int)port;
            sentByEnd = e;
        }

        via.SentByEnd = sentByEnd + b;
        int elementEnd = v.Length;
        int pos = list ? ViaParams(v, sentByEnd, b, ref via, out elementEnd) : ViaParamsGeneral(v, sentByEnd, b, ref via);
        if (pos < 0)
        {
            return -1;
        }

        int end = SipText.TrimEnd(v, start, elementEnd);
        int first = SipText.SkipLws(v, sentByEnd);
        if (first < end)
        {
            via.Params = new TextRange(first + b, end - first);
        }

        via.Value = new TextRange(start + b, end - start);
        via.ProtocolName = name.Offset(b);
        via.ProtocolVersion = version.Offset(b);
        via.Transport = transport.Offset(b);
        return pos;
    }

private static int SkipDigits(ReadOnlySpan<byte> v, int i)
    {
        while (i < v.Length && SipText.IsDigit(v[i]))
        {
            i++;
        }

        return i;
    }

    private static bool Token(ReadOnlySpan<byte> v, ref int i, out TextRange range)
    {
        int n = i;
        while (n < v.Length && SipText.IsTokenChar(v[n]))
        {
            n++;
        }

        range = TextRange.FromBounds(i, n);
        i = n;
        return n > range.Start;
    }

    private static bool Slash(ReadOnlySpan<byte> v, ref int i)
    {
        int j = SipText.SkipLws(v, i);
        if (j >= v.Length || v[j] != '/')
        {
            return false;
        }

        i = SipText.SkipLws(v, j + 1);
        return true;
    }
}
