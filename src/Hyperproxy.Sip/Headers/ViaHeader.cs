namespace Hyperproxy.Sip.Headers;

/// <summary>
/// One via-parm (RFC 3261 §20.42, RFC 3581). Ranges are relative to the base offset given to <see cref="TryParse"/>
/// (the message start when parsed through <see cref="SipMessage"/>); absent items are <see cref="TextRange.None"/>.
/// </summary>
public struct ViaHeader
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
    public static bool TryParse(ReadOnlySpan<byte> v, int baseOffset, out ViaHeader via)
    {
        via = default;
        via.Branch = via.Received = via.Rport = via.Maddr = via.Ttl = via.Port = via.Params = via.RportParam = TextRange.None;
        int i = SipText.SkipLws(v, 0);
        int start = i;
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
                return false;
            }
        }
        else if (!Token(v, ref i, out name) || !Slash(v, ref i) || !Token(v, ref i, out version)
            || !Slash(v, ref i) || !Token(v, ref i, out transport))
        {
            return false;
        }

        int h = SipText.SkipLws(v, i);
        if (h == i || h >= v.Length)
        {
            return false;
        }

        int hostEnd;
        if (v[h] == '[')
        {
            int close = v[h..].IndexOf((byte)']');
            if (close < 3 || v.Slice(h + 1, close - 1).ContainsAnyExcept("0123456789abcdefABCDEF:."u8))
            {
                return false;
            }

            hostEnd = h + close + 1;
            via.HostIsIPv6 = true;
        }
        else
        {
            hostEnd = h;
            while (hostEnd < v.Length && SipText.IsHostChar(v[hostEnd]))
            {
                hostEnd++;
            }

            if (hostEnd == h)
            {
                return false;
            }
        }

        via.Host = TextRange.FromBounds(h, hostEnd);
        int p = SipText.SkipLws(v, hostEnd);
        int sentByEnd = hostEnd;
        if (p < v.Length && v[p] == ':')
        {
            int d = SipText.SkipLws(v, p + 1);
            int e = d;
            while (e < v.Length && SipText.IsDigit(v[e]))
            {
                e++;
            }

            if (!SipText.TryParseUInt(v[d..e], 65535, out uint port) || port == 0)
            {
                return false;
            }

            via.Port = TextRange.FromBounds(d, e);
            via.PortNumber = (int)port;
            sentByEnd = e;
        }

        via.SentByEnd = sentByEnd;
        int pos = sentByEnd;
        int first = SipText.SkipLws(v, pos);
        if (first < v.Length)
        {
            via.Params = TextRange.FromBounds(first, SipText.TrimEnd(v, first, v.Length));
        }

        while (true)
        {
            if (!SipParams.TryNext(v, ref pos, out TextRange pn, out TextRange pv, out bool error))
            {
                if (error)
                {
                    return false;
                }

                break;
            }

            ReadOnlySpan<byte> pname = v.Slice(pn.Start, pn.Length);
            if (SipText.EqualsLower(pname, "branch"u8))
            {
                via.Branch = pv;
            }
            else if (SipText.EqualsLower(pname, "received"u8))
            {
                via.Received = pv;
            }
            else if (SipText.EqualsLower(pname, "rport"u8))
            {
                via.HasRport = true;
                via.Rport = pv;
                int semi = v[..pn.Start].LastIndexOf((byte)';');
                via.RportParam = TextRange.FromBounds(semi, pv.IsPresent ? pv.End : pn.End);
            }
            else if (SipText.EqualsLower(pname, "maddr"u8))
            {
                via.Maddr = pv;
            }
            else if (SipText.EqualsLower(pname, "ttl"u8))
            {
                via.Ttl = pv;
            }
        }

        if (pos < v.Length && SipText.SkipLws(v, pos) < v.Length)
        {
            return false;
        }

        int end = SipText.TrimEnd(v, start, v.Length);
        via.Value = TextRange.FromBounds(start, end);
        via.ProtocolName = name;
        via.ProtocolVersion = version;
        via.Transport = transport;
        if (baseOffset != 0)
        {
            via.Shift(baseOffset);
        }

        return true;
    }

    private void Shift(int d)
    {
        Value = Value.Offset(d);
        ProtocolName = ProtocolName.Offset(d);
        ProtocolVersion = ProtocolVersion.Offset(d);
        Transport = Transport.Offset(d);
        Host = Host.Offset(d);
        Port = Port.Offset(d);
        SentByEnd += d;
        Params = Params.Offset(d);
        Branch = Branch.Offset(d);
        Received = Received.Offset(d);
        RportParam = RportParam.Offset(d);
        Rport = Rport.Offset(d);
        Maddr = Maddr.Offset(d);
        Ttl = Ttl.Offset(d);
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
