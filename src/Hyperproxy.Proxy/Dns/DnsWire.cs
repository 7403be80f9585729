using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Hyperproxy.Proxy.Dns;

/// <summary>
/// The DNS message format (RFC 1035 §4): queries written into a caller's buffer and answers parsed with every length and
/// offset checked — a truncated record, a label past the end, a compression pointer loop or forward chain, a name over
/// 255 bytes: the answer is malformed (<see cref="DnsStatus.Failed"/>), never an exception or a hang.
/// </summary>
public static class DnsWire
{
    public const int MaxNameLength = 255;
    private const int HeaderLength = 12;
    private const int MaxPointerJumps = 32;

    /// <summary>A recursive query (RD) for <paramref name="name"/> (dotted, no trailing dot needed) into <paramref name="buffer"/>; 0 when the name does not fit or is not a DNS name.</summary>
    public static int WriteQuery(Span<byte> buffer, ushort id, ReadOnlySpan<char> name, DnsType type)
    {
        if (buffer.Length < HeaderLength + MaxNameLength + 1 + 4)
        {
            return 0;
        }

        BinaryPrimitives.WriteUInt16BigEndian(buffer, id);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], 0x0100); // RD
        BinaryPrimitives.WriteUInt16BigEndian(buffer[4..], 1);
        buffer.Slice(6, 6).Clear();
        int at = HeaderLength;
        if (name.EndsWith("."))
        {
            name = name[..^1];
        }

        if (name.IsEmpty || name.Length > 253)
        {
            return 0;
        }

        while (!name.IsEmpty)
        {
            int dot = name.IndexOf('.');
            ReadOnlySpan<char> label = dot < 0 ? name : name[..dot];
            if (label.IsEmpty || label.Length > 63)
            {
                return 0;
            }

            buffer[at++] = (byte)label.Length;
            foreach (char ch in label)
            {
                if (ch <= ' ' || ch > '~')
                {
                    return 0;
                }

                buffer[at++] = (byte)ch;
            }

            name = dot < 0 ? default : name[(dot + 1)..];
        }

        buffer[at++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[at..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(at + 2)..], 1); // IN
        return at + 4;
    }

    /// <summary>
    /// The answer to query <paramref name="id"/> for <paramref name="name"/>/<paramref name="type"/>: the records of that
    /// type whose owner is the name or a CNAME of it. A mismatched id or question, or a malformed message, is
    /// <see cref="DnsStatus.Failed"/>.
    /// </summary>
    public static DnsAnswer Parse(ReadOnlySpan<byte> message, ushort id, string name, DnsType type)
    {
        if (message.Length < HeaderLength || BinaryPrimitives.ReadUInt16BigEndian(message) != id)
        {
            return DnsAnswer.Fail();
        }

        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if ((flags & 0x8000) == 0)
        {
            return DnsAnswer.Fail(); // not a response
        }

        int rcode = flags & 0x000F;
        int qd = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        int an = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        int ns = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        var answer = new DnsAnswer { Truncated = (flags & 0x0200) != 0 };
        if (answer.Truncated)
        {
            answer.Status = DnsStatus.Failed;
            return answer;
        }

        int at = HeaderLength;
        string owner = name.TrimEnd('.');
        for (int i = 0; i < qd; i++)
        {
            if (!TryReadName(message, ref at, out string qname) || at + 4 > message.Length)
            {
                return DnsAnswer.Fail();
            }

            if (i == 0 && (!qname.Equals(owner, StringComparison.OrdinalIgnoreCase) || BinaryPrimitives.ReadUInt16BigEndian(message[at..]) != (ushort)type))
            {
                return DnsAnswer.Fail(); // an answer to another question
            }

            at += 4;
        }

        if (rcode is not (0 or 3))
        {
            return DnsAnswer.Fail(); // SERVFAIL, REFUSED, ...
        }

        uint least = uint.MaxValue;
        for (int i = 0; i < an; i++)
        {
            if (!TryReadRecord(message, ref at, out DnsRecord? r))
            {
                return DnsAnswer.Fail();
            }

            if (r is null || !r.Name.Equals(owner, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (r.Type == DnsType.Cname && type != DnsType.Cname)
            {
                owner = r.Target; // the records that follow are the alias's (RFC 1034 §3.6.2)
                least = Math.Min(least, r.Ttl);
                continue;
            }

            if (r.Type == type)
            {
                answer.Records.Add(r);
                least = Math.Min(least, r.Ttl);
            }
        }

        if (answer.Records.Count > 0)
        {
            answer.Status = DnsStatus.Ok;
            answer.Ttl = least;
            return answer;
        }

        // Negative: RFC 2308 §5, the SOA in the authority section bounds the time (its TTL and MINIMUM, the lesser).
        answer.Status = DnsStatus.NoRecords;
        answer.Ttl = 0;
        for (int i = 0; i < ns; i++)
        {
            if (!TryReadRecord(message, ref at, out DnsRecord? r))
            {
                break; // the negative answer stands; the SOA is only the time to keep it
            }

            if (r is { Type: DnsType.Soa })
            {
                answer.Ttl = Math.Min(r.Ttl, r.Minimum);
                break;
            }
        }

        return answer;
    }

    /// <summary>One resource record; <paramref name="record"/> is null for a type the resolver does not read (skipped).</summary>
    private static bool TryReadRecord(ReadOnlySpan<byte> m, ref int at, out DnsRecord? record)
    {
        record = null;
        if (!TryReadName(m, ref at, out string owner) || at + 10 > m.Length)
        {
            return false;
        }

        var type = (DnsType)BinaryPrimitives.ReadUInt16BigEndian(m[at..]);
        ushort cls = BinaryPrimitives.ReadUInt16BigEndian(m[(at + 2)..]);
        uint ttl = BinaryPrimitives.ReadUInt32BigEndian(m[(at + 4)..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(m[(at + 8)..]);
        at += 10;
        if (at + length > m.Length)
        {
            return false;
        }

        int end = at + length;
        int p = at;
        at = end;
        if (cls != 1)
        {
            return true;
        }

        ttl = Math.Min(ttl, 0x7FFFFFFF); // RFC 2181 §8
        var r = new DnsRecord { Type = type, Name = owner, Ttl = ttl };
        switch (type)
        {
            case DnsType.A when length == 4:
                r.Address = new IPAddress(m.Slice(p, 4));
                break;
            case DnsType.Aaaa when length == 16:
                r.Address = new IPAddress(m.Slice(p, 16));
                break;
            case DnsType.A or DnsType.Aaaa:
                return false;
            case DnsType.Cname:
                if (!TryReadName(m, ref p, out r.Target) || p != end)
                {
                    return false;
                }

                break;
            case DnsType.Srv:
                if (length < 7)
                {
                    return false;
                }

                r.Priority = BinaryPrimitives.ReadUInt16BigEndian(m[p..]);
                r.Weight = BinaryPrimitives.ReadUInt16BigEndian(m[(p + 2)..]);
                r.Port = BinaryPrimitives.ReadUInt16BigEndian(m[(p + 4)..]);
                p += 6;
                if (!TryReadName(m, ref p, out r.Target) || p != end)
                {
                    return false;
                }

                break;
            case DnsType.Naptr:
                if (length < 7)
                {
                    return false;
                }

                r.Order = BinaryPrimitives.ReadUInt16BigEndian(m[p..]);
                r.Preference = BinaryPrimitives.ReadUInt16BigEndian(m[(p + 2)..]);
                p += 4;
                if (!TryReadString(m, ref p, end, out r.Flags) || !TryReadString(m, ref p, end, out r.Service)
                    || !TryReadString(m, ref p, end, out r.Regexp) || !TryReadName(m, ref p, out r.Target) || p != end)
                {
                    return false;
                }

                break;
            case DnsType.Soa:
                // MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM.
                if (!TryReadName(m, ref p, out _) || !TryReadName(m, ref p, out _) || p + 20 != end)
                {
                    return false;
                }

                r.Minimum = BinaryPrimitives.ReadUInt32BigEndian(m[(p + 16)..]);
                break;
            default:
                return true;
        }

        record = r;
        return true;
    }

    private static bool TryReadString(ReadOnlySpan<byte> m, ref int p, int end, out string value)
    {
        value = string.Empty;
        if (p >= end || p + 1 + m[p] > end)
        {
            return false;
        }

        int length = m[p];
        value = Encoding.ASCII.GetString(m.Slice(p + 1, length));
        p += 1 + length;
        return true;
    }

    /// <summary>
    /// A domain name at <paramref name="at"/> (advanced past it, or past its first pointer). Compression pointers must
    /// point backwards (RFC 1035 §4.1.4: to a prior occurrence), at most <see cref="MaxPointerJumps"/> of them: a loop
    /// or a forward chain is malformed.
    /// </summary>
    public static bool TryReadName(ReadOnlySpan<byte> m, ref int at, out string name)
    {
        name = string.Empty;
        Span<byte> text = stackalloc byte[MaxNameLength + 1];
        int length = 0;
        int p = at;
        int jumps = 0;
        int next = -1;
        while (true)
        {
            if (p >= m.Length)
            {
                return false;
            }

            int b = m[p];
            if (b == 0)
            {
                p++;
                break;
            }

            if ((b & 0xC0) == 0xC0)
            {
                if (p + 1 >= m.Length || ++jumps > MaxPointerJumps)
                {
                    return false;
                }

                int target = ((b & 0x3F) << 8) | m[p + 1];
                if (target >= p)
                {
                    return false; // forward or self: a loop could follow
                }

                if (next < 0)
                {
                    next = p + 2;
                }

                p = target;
                continue;
            }

            if ((b & 0xC0) != 0 || p + 1 + b > m.Length)
            {
                return false; // 0x40/0x80 label types are obsolete
            }

            if (length + (length > 0 ? 1 : 0) + b > MaxNameLength)
            {
                return false;
            }

            if (length > 0)
            {
                text[length++] = (byte)'.';
            }

            m.Slice(p + 1, b).CopyTo(text[length..]);
            length += b;
            p += 1 + b;
        }

        at = next >= 0 ? next : p;
        name = Encoding.ASCII.GetString(text[..length]);
        return true;
    }
}
