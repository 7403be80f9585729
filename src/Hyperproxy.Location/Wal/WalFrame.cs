using System.Buffers.Binary;

namespace Hyperproxy.Location.Wal;

/// <summary>
/// How one entry sits in a WAL segment file:
/// <c>u32 payloadLength | u32 crc32c(seq | payload) | u64 seq | payload</c>, little-endian, back to back.
/// <c>seq</c> is the store-wide sequence number of the change (replay merges the segments of every writer
/// by it). A frame whose length runs past the data, whose checksum fails or whose length is 0 (the zeroed
/// rest of a segment) ends the segment: that is where a crash cut the last write.
/// </summary>
internal static class WalFrame
{
    public const int HeaderSize = 16;

    /// <summary>Largest payload a frame may carry (a record plus its key and entry header).</summary>
    public const int MaxPayload = 1 << 20;

    /// <summary>Fills in the header of a frame whose payload is already at <c>frame[HeaderSize..]</c>.</summary>
    public static void Seal(Span<byte> frame, int payloadLength, long seq)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payloadLength);
        BinaryPrimitives.WriteInt64LittleEndian(frame.Slice(8), seq);
        uint crc = Crc32C.Compute(frame.Slice(8, 8 + payloadLength));
        BinaryPrimitives.WriteUInt32LittleEndian(frame.Slice(4), crc);
    }

    /// <summary>Reads the frame at the start of <paramref name="data"/>; false at the end of the valid data.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out long seq, out ReadOnlySpan<byte> payload, out int frameLength)
    {
        seq = 0;
        payload = default;
        frameLength = 0;
        if (data.Length < HeaderSize)
            return false;
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length == 0 || length > MaxPayload || length > (uint)(data.Length - HeaderSize))
            return false;
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(4));
        if (Crc32C.Compute(data.Slice(8, 8 + (int)length)) != crc)
            return false;
        seq = BinaryPrimitives.ReadInt64LittleEndian(data.Slice(8));
        if (seq <= 0)
            return false;
        payload = data.Slice(HeaderSize, (int)length);
        frameLength = HeaderSize + (int)length;
        return true;
    }
}
