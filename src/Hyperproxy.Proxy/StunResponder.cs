using System.Buffers.Binary;
using Hyperproxy.Sip;

namespace Hyperproxy.Proxy;

/// <summary>
/// STUN Binding on the SIP UDP port (RFC 5389; RFC 5626 §4.4.2 keep-alives): a datagram whose first two bits
/// are zero and whose bytes 4..7 are the magic cookie is STUN, never SIP (a SIP message starts with a letter).
/// A Binding request is answered with a Binding success response carrying XOR-MAPPED-ADDRESS (the source as
/// the server saw it), the request's transaction id; anything else STUN is dropped. Nothing is allocated.
/// </summary>
public static class StunResponder
{
    public const uint MagicCookie = 0x2112A442;
    public const int HeaderSize = 20;
    public const ushort BindingRequest = 0x0001;
    public const ushort BindingSuccess = 0x0101;
    public const ushort XorMappedAddress = 0x0020;

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
        if ((length & 3) != 0 || HeaderSize + length != request.Length || !AttributesFit(request[HeaderSize..]))
        {
            return 0;
        }

        bool v6 = source.IsIPv6;
        int valueLength = v6 ? 20 : 8;
        int total = HeaderSize + 4 + valueLength;
        if (!source.IsIPv4 && !v6 || response.Length < total)
        {
            return 0;
        }

        BinaryPrimitives.WriteUInt16BigEndian(response, BindingSuccess);
        BinaryPrimitives.WriteUInt16BigEndian(response[2..], (ushort)(4 + valueLength));
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

        return total;
    }

    /// <summary>The attributes (type, length, value padded to 4) end exactly at the end of the message.</summary>
    private static bool AttributesFit(ReadOnlySpan<byte> attributes)
    {
        int at = 0;
        int guard = 0;
        while (at < attributes.Length && guard++ < 256)
        {
            if (at + 4 > attributes.Length)
            {
                return false;
            }

            int len = BinaryPrimitives.ReadUInt16BigEndian(attributes[(at + 2)..]);
            at += 4 + ((len + 3) & ~3);
        }

        return at == attributes.Length;
    }
}
