using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;

namespace Hyperproxy.Sip;

public readonly partial struct NetAddress
{
    /// <summary>Longest output of <see cref="TryFormat"/>: "[" + 45 + "%" + 10 + "]:" + 5.</summary>
    public const int MaxFormattedLength = 65;

    /// <summary>
    /// Writes the host as it appears in SIP: IPv4 dotted ("192.0.2.1"), IPv6 in brackets with
    /// RFC 5952 compression ("[::1]", "[2001:db8::1]", "[::ffff:192.0.2.1]"); a non-zero scope
    /// follows a '%' inside the brackets ("[fe80::1%2]"). Returns false when the span is too small.
    /// </summary>
    public bool TryFormatHost(Span<byte> utf8, out int written)
    {
        written = 0;
        if (_family == NetAddressFamily.IPv4)
            return TryFormatIPv4(utf8, 0, ref written);
        if (_family != NetAddressFamily.IPv6)
            return false;
        if (utf8.IsEmpty)
            return false;
        utf8[0] = (byte)'[';
        int at = 1;
        if (!TryFormatIPv6(utf8, ref at))
            return false;
        if (_scopeId != 0)
        {
            if (at >= utf8.Length)
                return false;
            utf8[at++] = (byte)'%';
            if (!Utf8Formatter.TryFormat(_scopeId, utf8.Slice(at), out int scopeLength))
                return false;
            at += scopeLength;
        }
        if (at >= utf8.Length)
            return false;
        utf8[at++] = (byte)']';
        written = at;
        return true;
    }

    /// <summary>Writes host and port: "192.0.2.1:5060", "[::1]:5060".</summary>
    public bool TryFormat(Span<byte> utf8, out int written)
    {
        if (!TryFormatHost(utf8, out written))
            return false;
        int at = written;
        written = 0;
        if (at >= utf8.Length)
            return false;
        utf8[at++] = (byte)':';
        if (!Utf8Formatter.TryFormat(_port, utf8.Slice(at), out int portLength))
            return false;
        written = at + portLength;
        return true;
    }

    /// <summary>"host:port" (cold path: allocates).</summary>
    public override string ToString()
    {
        if (_family == NetAddressFamily.None)
            return "(none)";
        Span<byte> buffer = stackalloc byte[MaxFormattedLength];
        return TryFormat(buffer, out int written) ? Encoding.ASCII.GetString(buffer.Slice(0, written)) : "(?)";
    }

    /// <summary>The host alone as a string, as <see cref="TryFormatHost"/> writes it (cold path).</summary>
    public string HostToString()
    {
        Span<byte> buffer = stackalloc byte[MaxFormattedLength];
        return TryFormatHost(buffer, out int written) ? Encoding.ASCII.GetString(buffer.Slice(0, written)) : "";
    }

    private bool TryFormatIPv4(Span<byte> utf8, int firstByte, ref int at)
    {
        for (int i = 0; i < 4; i++)
        {
            if (i > 0)
            {
                if (at >= utf8.Length)
                    return false;
                utf8[at++] = (byte)'.';
            }
            if (!Utf8Formatter.TryFormat(AddressByte(firstByte + i), utf8.Slice(at), out int length))
                return false;
            at += length;
        }
        return true;
    }

    private bool TryFormatIPv6(Span<byte> utf8, ref int at)
    {
        Span<byte> bytes = stackalloc byte[16];
        CopyAddressBytes(bytes);

        // RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad.
        if (_address0 == 0 && bytes[8] == 0 && bytes[9] == 0 && bytes[10] == 0xff && bytes[11] == 0xff)
        {
            ReadOnlySpan<byte> prefix = "::ffff:"u8;
            if (!prefix.TryCopyTo(utf8.Slice(at)))
                return false;
            at += prefix.Length;
            return TryFormatIPv4(utf8, 12, ref at);
        }

        // RFC 5952 section 4.2: compress the longest run (first on a tie) of two or more zero groups.
        int bestStart = -1, bestLength = 0, runStart = -1;
        for (int g = 0; g <= 8; g++)
        {
            bool zero = g < 8 && bytes[2 * g] == 0 && bytes[2 * g + 1] == 0;
            if (zero)
            {
                if (runStart < 0)
                    runStart = g;
            }
            else if (runStart >= 0)
            {
                int length = g - runStart;
                if (length > bestLength && length >= 2)
                {
                    bestStart = runStart;
                    bestLength = length;
                }
                runStart = -1;
            }
        }

        for (int g = 0; g < 8; g++)
        {
            if (g == bestStart)
            {
                if (at + 2 > utf8.Length)
                    return false;
                // One colon here; the next group writes its own, or a second one closes "a::".
                utf8[at++] = (byte)':';
                g += bestLength - 1;
                if (g == 7)
                    utf8[at++] = (byte)':';
                continue;
            }
            if (g > 0)
            {
                if (at >= utf8.Length)
                    return false;
                utf8[at++] = (byte)':';
            }
            ushort group = BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(2 * g));
            // RFC 5952 sections 4.1 and 4.3: no leading zeros, lower case.
            if (!Utf8Formatter.TryFormat(group, utf8.Slice(at), out int length, new System.Buffers.StandardFormat('x')))
                return false;
            at += length;
        }
        return true;
    }
}
