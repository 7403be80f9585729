using System.Buffers.Binary;

namespace Hyperproxy.Location.Wal;

/// <summary>
/// One write-ahead-log entry: the after-image of one AoR.
/// <c>u8 op (1 = put, 2 = delete) | u8 0 | u16 keyLength | key | record</c>.
/// </summary>
internal static class WalEntry
{
    public const byte Put = 1;
    public const byte Remove = 2;
    public const int HeaderSize = 4;
    public const int MaxKeyLength = 1024;

    public static int Write(Span<byte> target, byte op, ReadOnlySpan<byte> key, ReadOnlySpan<byte> record)
    {
        target[0] = op;
        target[1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(target.Slice(2), (ushort)key.Length);
        key.CopyTo(target.Slice(HeaderSize));
        record.CopyTo(target.Slice(HeaderSize + key.Length));
        return HeaderSize + key.Length + record.Length;
    }

    public static bool TryRead(ReadOnlySpan<byte> entry, out byte op, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> record)
    {
        op = 0;
        key = default;
        record = default;
        if (entry.Length < HeaderSize)
            return false;
        op = entry[0];
        int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(entry.Slice(2));
        if (keyLength == 0 || keyLength > entry.Length - HeaderSize || (op != Put && op != Remove))
            return false;
        key = entry.Slice(HeaderSize, keyLength);
        record = entry.Slice(HeaderSize + keyLength);
        return true;
    }
}
