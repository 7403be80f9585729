using System.Buffers.Binary;
using Hyperproxy.Sip;

namespace Hyperproxy.Proxy;

/// <summary>
/// STUN Binding on the SIP UDP port (RFC 5389; RFC 5626 §4.4.2 keep-alives): a datagram whose first two bits
/// are zero and whose bytes 4..7 are the magic cookie is STUN, never SIP (a SIP message starts with a letter).
/// A Binding request is answered with a Binding success response carrying XOR-MAPPED-ADDRESS (the source as
/// the server saw it), the request's transaction id; a request with FINGERPRINT is checked (a wrong one is dropped)
/// and answered with FINGERPRINT too (RFC 5389 §15.5); anything else STUN is dropped. Nothing is allocated.
/// </summary>
public static class StunResponder
{
    public const uint MagicCookie = 0x2112A442;
    public const int HeaderSize = 20;
    public const ushort BindingRequest = 0x0001;
    public const ushort BindingSuccess = 0x0101;
    public const ushort XorMappedAddress = 0x0020;
    public const ushort Fingerprint = 0x8028;

    /// <summary>RFC 5389 §15.5: FINGERPRINT is the CRC-32 of the message before it, XOR 0x5354554e.</summary>
    public const uint FingerprintXor = 0x5354554e;

    private static readonly uint[] s_crcTable = CrcTable();

    /// <summary>True when the datagram is STUN by RFC 5389 §6 (and RFC 7983's first-byte rule): checked before the SIP parser.</summary>
    public static bool IsStun(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= HeaderSize && datagram[0] < 2
        && BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]) == MagicCookie;

    /// <summary>
    /// Writes the answer to a Binding request into <paramref name="response"/>; its length, or 0 when the datagram is
    /// not a well-formed Binding request (wrong type, length field not the datagram's, attributes overrunning it).
    /// </summary>
    public static int TryAnswer(ReadOnlySpan<byte> request, in NetAddress source, Span<byte> response)
    {
        if (!IsStun(request) || BinaryPrimitives.ReadUInt16BigEndian(request) != BindingRequest)
        {
            return 0;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(request[2..]);
        if ((length & 3) != 0 || HeaderSize + length != request.Length || !AttributesFit(request[HeaderSize..], out int fingerprintAt))
        {
            return 0;
        }

        // RFC 5389 §7.3 / §15.5: a FINGERPRINT that does not match (or is not the last attribute) drops the request.
        bool fingerprint = fingerprintAt >= 0;
        if (fingerprint && (fingerprintAt + 8 != request.Length || BinaryPrimitives.ReadUInt16BigEndian(request[(fingerprintAt + 2)..]) != 4
            || BinaryPrimitives.ReadUInt32BigEndian(request[(fingerprintAt + 4)..]) != (Crc32(request[..fingerprintAt]) ^ FingerprintXor)))
        {
            return 0;
        }

        bool v6 = source.IsIPv6;
        int valueLength = v6 ? 20 : 8;
        int total = HeaderSize + 4 + valueLength;
        if (!source.IsIPv4 && !v6 || response.Length < total + (fingerprint ? 8 : 0))
        {
            return 0;
        }

        BinaryPrimitives.WriteUInt16BigEndian(response, BindingSuccess);
        BinaryPrimitives.WriteUInt16BigEndian(response[2..], (ushort)(4 + valueLength + (fingerprint ? 8 : 0)));
        request.Slice(4, 16).CopyTo(response[4..]); // cookie + transaction id
        Span<byte> attr = response[HeaderSize..];
        BinaryPrimitives.WriteUInt16BigEndian(attr, XorMappedAddress);
        BinaryPrimitives.WriteUInt16BigEndian(attr[2..], (ushort)valueLength);
        attr[4] = 0;
        attr[5] = v6 ? (byte)2 : (byte)1;
        BinaryPrimitives.WriteUInt16BigEndian(attr[6..], (ushort)(source.Port ^ (int)(MagicCookie >> 16)));
        Span<byte> address = attr.Slice(8, v6 ? 16 : 4);
        source.CopyAddressBytes(address);
        // X-Address: XOR with the cookie (IPv4), or with the cookie followed by the transaction id (IPv6).
        ReadOnlySpan<byte> key = request.Slice(4, 16);
        for (int i = 0; i < address.Length; i++)
        {
            address[i] ^= key[i];
        }

        if (fingerprint)
        {
            // The request carried FINGERPRINT: so does the answer (RFC 5389 §8), the length above already counting it.
            Span<byte> f = response[total..];
            BinaryPrimitives.WriteUInt16BigEndian(f, Fingerprint);
            BinaryPrimitives.WriteUInt16BigEndian(f[2..], 4);
            BinaryPrimitives.WriteUInt32BigEndian(f[4..], Crc32(response[..total]) ^ FingerprintXor);
            total += 8;
        }

        return total;
    }

    /// <summary>
    /// The attributes (type, length, value padded to 4) end exactly at the end of the message;
    /// <paramref name="fingerprintAt"/> is the message offset of the first FINGERPRINT attribute, -1 for none.
    /// </summary>
    private static bool AttributesFit(ReadOnlySpan<byte> attributes, out int fingerprintAt)
    {
        fingerprintAt = -1;
        int at = 0;
        int guard = 0;
        while (at < attributes.Length && guard++ < 256)
        {
            if (at + 4 > attributes.Length)
            {
                return false;
            }

            if (fingerprintAt < 0 && BinaryPrimitives.ReadUInt16BigEndian(attributes[at..]) == Fingerprint)
            {
                fingerprintAt = HeaderSize + at;
            }

            int len = BinaryPrimitives.ReadUInt16BigEndian(attributes[(at + 2)..]);
            at += 4 + ((len + 3) & ~3);
        }

        return at == attributes.Length;
    }

    /// <summary>CRC-32 (ISO 3309 / ITU-T V.42, as zlib's), table-driven; allocates nothing.</summary>
    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint[] table = s_crcTable;
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] CrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
