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
    public static byte[] Encode(in TraceHeader h, ReadOnlySpan<byte> message, uint captureId, ReadOnlySpan<byte> callId)
    {
        bool v6 = h.Source.Family == NetAddressFamily.IPv6;
        int addressLength = v6 ? 16 : 4;
        int total = 6 + (6 + 1) * 2 + (6 + addressLength) * 2 + (6 + 2) * 2 + (6 + 4) * 2 + (6 + 1) + (6 + 4) + 6 + message.Length
            + (callId.IsEmpty ? 0 : 6 + callId.Length);
        byte[] packet = new byte[total];
        Span<byte> p = packet;
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
        return packet;
    }

    private static void Address(in NetAddress a, Span<byte> destination)
    {
        Span<byte> text = stackalloc byte[64];
        if (!a.TryFormatHost(text, out int n) || !System.Net.IPAddress.TryParse(System.Text.Encoding.ASCII.GetString(text[..n]).Trim('[', ']').Split('%')[0], out var ip)
            || !ip.TryWriteBytes(destination, out _))
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
