using System.Buffers.Binary;

namespace Hyperproxy.Sip;

public readonly partial struct NetAddress
{
    /// <summary>
    /// Parses a numeric host without allocating: dotted IPv4 (RFC 3986 dec-octets, no leading
    /// zeros), or IPv6 (RFC 4291 text forms, with or without brackets, optionally a trailing
    /// dotted quad and a numeric zone "%3"). Host names are not numeric hosts: false.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Host, int port, out NetAddress address)
    {
        address = default;
        if ((uint)port > ushort.MaxValue || utf8Host.IsEmpty)
            return false;
        if (utf8Host[0] == (byte)'[')
        {
            if (utf8Host.Length < 2 || utf8Host[^1] != (byte)']')
                return false;
            return TryParseIPv6(utf8Host.Slice(1, utf8Host.Length - 2), port, out address);
        }
        if (utf8Host.IndexOf((byte)':') >= 0)
            return TryParseIPv6(utf8Host, port, out address);
        Span<byte> bytes = stackalloc byte[4];
        if (!TryParseIPv4(utf8Host, bytes))
            return false;
        address = FromIPv4(bytes, port);
        return true;
    }

    /// <summary>Parses "host:port" where host is numeric ("192.0.2.1:5060", "[::1]:5060").</summary>
    public static bool TryParseHostPort(ReadOnlySpan<byte> utf8, out NetAddress address)
    {
        address = default;
        int colon = utf8.LastIndexOf((byte)':');
        if (colon <= 0)
            return false;
        ReadOnlySpan<byte> host = utf8.Slice(0, colon);
        if (host[0] == (byte)'[' ? host[^1] != (byte)']' : host.IndexOf((byte)':') >= 0)
            return false;
        return TryParsePort(utf8.Slice(colon + 1), out int port) && TryParse(host, port, out address);
    }

    /// <summary>Decimal port 0-65535, 1-5 digits.</summary>
    internal static bool TryParsePort(ReadOnlySpan<byte> digits, out int port)
    {
        port = 0;
        if (digits.IsEmpty || digits.Length > 5)
            return false;
        for (int i = 0; i < digits.Length; i++)
        {
            int d = digits[i] - '0';
            if ((uint)d > 9)
                return false;
            port = port * 10 + d;
        }
        return port <= ushort.MaxValue;
    }

    private static bool TryParseIPv4(ReadOnlySpan<byte> text, Span<byte> bytes)
    {
        int part = 0;
        int i = 0;
        while (true)
        {
            int start = i;
            int value = 0;
            while (i < text.Length && (uint)(text[i] - '0') <= 9)
            {
                value = value * 10 + (text[i] - '0');
                i++;
                if (i - start > 3)
                    return false;
            }
            int length = i - start;
            if (length == 0 || value > 255 || (length > 1 && text[start] == (byte)'0'))
                return false;
            bytes[part++] = (byte)value;
            if (part == 4)
                return i == text.Length;
            if (i >= text.Length || text[i] != (byte)'.')
                return false;
            i++;
        }
    }

    private static bool TryParseIPv6(ReadOnlySpan<byte> text, int port, out NetAddress address)
    {
        address = default;
        uint scope = 0;
        int percent = text.IndexOf((byte)'%');
        if (percent >= 0)
        {
            ReadOnlySpan<byte> zone = text.Slice(percent + 1);
            if (zone.IsEmpty || zone.Length > 10)
                return false;
            ulong value = 0;
            for (int i = 0; i < zone.Length; i++)
            {
                int d = zone[i] - '0';
                if ((uint)d > 9)
                    return false;
                value = value * 10 + (uint)d;
            }
            if (value > uint.MaxValue)
                return false;
            scope = (uint)value;
            text = text.Slice(0, percent);
        }

        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        if (!TryParseIPv6Groups(text, bytes))
            return false;
        address = FromIPv6(bytes, port, scope);
        return true;
    }

    private static bool TryParseIPv6Groups(ReadOnlySpan<byte> text, Span<byte> bytes)
    {
        Span<ushort> groups = stackalloc ushort[8];
        int count = 0;
        int gap = -1;
        int i = 0;
        if (text.Length >= 2 && text[0] == (byte)':' && text[1] == (byte)':')
        {
            gap = 0;
            i = 2;
        }
        else if (text.IsEmpty || text[0] == (byte)':')
        {
            return false;
        }

        while (i < text.Length)
        {
            int end = i;
            while (end < text.Length && text[end] != (byte)':')
                end++;
            ReadOnlySpan<byte> token = text.Slice(i, end - i);
            if (token.IndexOf((byte)'.') >= 0)
            {
                // A trailing dotted quad fills the last two groups.
                Span<byte> v4 = stackalloc byte[4];
                if (end != text.Length || count > 6 || !TryParseIPv4(token, v4))
                    return false;
                groups[count++] = BinaryPrimitives.ReadUInt16BigEndian(v4);
                groups[count++] = BinaryPrimitives.ReadUInt16BigEndian(v4.Slice(2));
                break;
            }
            if (token.IsEmpty || token.Length > 4 || count == 8)
                return false;
            int group = 0;
            for (int k = 0; k < token.Length; k++)
            {
                int h = HexValue(token[k]);
                if (h < 0)
                    return false;
                group = (group << 4) | h;
            }
            groups[count++] = (ushort)group;
            if (end == text.Length)
                break;
            if (end + 1 < text.Length && text[end + 1] == (byte)':')
            {
                if (gap >= 0)
                    return false;
                gap = count;
                i = end + 2;
            }
            else
            {
                i = end + 1;
                if (i == text.Length)
                    return false;
            }
        }

        if (gap < 0 ? count != 8 : count > 7)
            return false;
        int tail = gap < 0 ? 0 : count - gap;
        int head = count - tail;
        for (int g = 0; g < head; g++)
            BinaryPrimitives.WriteUInt16BigEndian(bytes.Slice(2 * g), groups[g]);
        for (int g = 0; g < tail; g++)
            BinaryPrimitives.WriteUInt16BigEndian(bytes.Slice(2 * (8 - tail + g)), groups[head + g]);
        return true;
    }

    private static int HexValue(byte c)
    {
        if ((uint)(c - '0') <= 9)
            return c - '0';
        int lower = c | 0x20;
        if ((uint)(lower - 'a') <= 5)
            return lower - 'a' + 10;
        return -1;
    }
}
