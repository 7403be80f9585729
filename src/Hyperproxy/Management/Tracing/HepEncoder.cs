using System.Buffers.Binary;
using Hyperproxy.Script.Tracing;
using Hyperproxy.Sip;

namespace Hyperproxy.Management.Tracing;

/// <summary>
/// HEPv3 (what Homer's capture server reads): <c>HEP3</c>, total length, then chunks of (vendor 0, type,
/// length incl. the 6-byte chunk header, payload): IP family, protocol (17 UDP), source/destination address
/// and port, time (seconds, microseconds), payload type 1 (SIP), capture agent id, the SIP message, and the
/// Call-ID as correlation id.
/// </summary>
public static class HepEncoder
{
    /// <summary>The packet's length for this message and correlation id.</summary>
    public static int Length(in TraceHeader h, int messageLength, int callIdLength)
    {
        int addressLength = h.Source.Family == NetAddressFamily.IPv6 ? 16 : 4;
        return 6 + (6 + 1) * 2 + (6 + addressLength) * 2 + (6 + 2) * 2 + (6 + 4) * 2 + (6 + 1) + (6 + 4) + 6 + messageLength
            + (callIdLength == 0 ? 0 : 6 + callIdLength);
    }

    /// <summary>Writes the packet into <paramref name="p"/>; returns its length, or -1 when it does not fit (or exceeds 64 KiB).</summary>
    public static int Encode(in TraceHeader h, ReadOnlySpan<byte> message, uint captureId, ReadOnlySpan<byte> callId, Span<byte> p)
    {
        bool v6 = h.Source.Family == NetAddressFamily.IPv6;
        int addressLength = v6 ? 16 : 4;
        int total = Length(h, message.Length, callId.Length);
        if (total > p.Length || total > ushort.MaxValue)
            return -1;
        "HEP3"u8.CopyTo(p);
        BinaryPrimitives.WriteUInt16BigEndian(p[4..], (ushort)total);
        int at = 6;
        Chunk8(p, ref at, 0x0001, (byte)(v6 ? 10 : 2));
        Chunk8(p, ref at, 0x0002, 17);
        Span<byte> address = stackalloc byte[16];
        Address(h.Source, address[..addressLength]);
        ChunkBytes(p, ref at, (ushort)(v6 ? 0x0005 : 0x0003), address[..addressLength]);
        Address(h.Destination, address[..addressLength]);
        ChunkBytes(p, ref at, (ushort)(v6 ? 0x0006 : 0x0004), address[..addressLength]);
        Chunk16(p, ref at, 0x0007, (ushort)h.Source.Port);
        Chunk16(p, ref at, 0x0008, (ushort)h.Destination.Port);
        Chunk32(p, ref at, 0x0009, (uint)(h.UnixMicros / 1_000_000));
        Chunk32(p, ref at, 0x000a, (uint)(h.UnixMicros % 1_000_000));
        Chunk8(p, ref at, 0x000b, 0x01);
        Chunk32(p, ref at, 0x000c, captureId);
        ChunkBytes(p, ref at, 0x000f, message);
        if (!callId.IsEmpty)
            ChunkBytes(p, ref at, 0x0011, callId);
        return total;
    }

    /// <summary>The address bytes in network order (zeros when its family is not the packet's).</summary>
    private static void Address(in NetAddress a, Span<byte> destination)
    {
        if (a.AddressLength == destination.Length)
            a.CopyAddressBytes(destination);
        else
            destination.Clear();
    }

    private static void Header(Span<byte> p, ref int at, ushort type, int payload)
    {
        BinaryPrimitives.WriteUInt16BigEndian(p[at..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(p[(at + 2)..], type);
        BinaryPrimitives.WriteUInt16BigEndian(p[(at + 4)..], (ushort)(6 + payload));
        at += 6;
    }

    private static void Chunk8(Span<byte> p, ref int at, ushort type, byte value)
    {
        Header(p, ref at, type, 1);
        p[at++] = value;
    }

    private static void Chunk16(Span<byte> p, ref int at, ushort type, ushort value)
    {
        Header(p, ref at, type, 2);
        BinaryPrimitives.WriteUInt16BigEndian(p[at..], value);
        at += 2;
    }

    private static void Chunk32(Span<byte> p, ref int at, ushort type, uint value)
    {
        Header(p, ref at, type, 4);
        BinaryPrimitives.WriteUInt32BigEndian(p[at..], value);
        at += 4;
    }

    private static void ChunkBytes(Span<byte> p, ref int at, ushort type, ReadOnlySpan<byte> value)
    {
        Header(p, ref at, type, value.Length);
        value.CopyTo(p[at..]);
        at += value.Length;
    }
}
