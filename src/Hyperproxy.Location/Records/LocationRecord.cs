using System.Buffers.Binary;

namespace Hyperproxy.Location.Records;

/// <summary>
/// The binary value stored per address-of-record: every binding (contact) of one AoR.
/// All integers are little-endian. Layout, version 1:
/// <code>
/// record  := header contact*
/// header  := u8 version(=1) | u8 contactCount | u16 reserved(0) | i64 minExpires
///            (minExpires: smallest non-zero expires of the contacts, 0 when none expires)
/// contact := u16 entryLength (whole entry, this field included) | u8 pathCount | u8 reserved
///            | i64 expires | i64 lastModified | u32 cseq | i16 q | u16 socket
///            | u32 flags | u32 branchFlags | u32 methods | i32 regId
///            | str contact | str received | str callId | str userAgent | str instance
///            | str path * pathCount
/// str     := u16 length | bytes
/// </code>
/// Reads are bounds-checked: <see cref="TryOpen"/> validates the whole record once and a
/// corrupt record is a <see cref="RecordError"/>, never an exception.
/// </summary>
public static class LocationRecord
{
    public const byte CurrentVersion = 1;
    public const int HeaderSize = 12;
    public const int ContactFixedSize = 44;
    public const int MaxContacts = 255;
    public const int MaxContactEntrySize = ushort.MaxValue;

    internal const int OffsetCount = 1;
    internal const int OffsetMinExpires = 4;

    internal const int COffsetPathCount = 2;
    internal const int COffsetExpires = 4;
    internal const int COffsetLastModified = 12;
    internal const int COffsetCSeq = 20;
    internal const int COffsetQ = 24;
    internal const int COffsetSocket = 26;
    internal const int COffsetFlags = 28;
    internal const int COffsetBranchFlags = 32;
    internal const int COffsetMethods = 36;
    internal const int COffsetRegId = 40;
    internal const int StringCount = 5;

    /// <summary>Validates <paramref name="record"/> and opens a reader over it.</summary>
    public static RecordError TryOpen(ReadOnlySpan<byte> record, out LocationRecordReader reader)
    {
        reader = default;
        RecordError error = Validate(record);
        if (error != RecordError.None)
            return error;
        reader = new LocationRecordReader(record);
        return RecordError.None;
    }

    /// <summary>Checks the version, every length prefix and that nothing trails the last contact.</summary>
    public static RecordError Validate(ReadOnlySpan<byte> record)
    {
        if (record.Length < HeaderSize)
            return RecordError.Truncated;
        if (record[0] != CurrentVersion)
            return RecordError.UnknownVersion;
        int count = record[OffsetCount];
        int offset = HeaderSize;
        for (int i = 0; i < count; i++)
        {
            if ((uint)(offset + 2) > (uint)record.Length)
                return RecordError.Truncated;
            int entryLength = BinaryPrimitives.ReadUInt16LittleEndian(record.Slice(offset));
            if (entryLength < ContactFixedSize || entryLength > record.Length - offset)
                return RecordError.BadContactLength;
            RecordError error = ValidateContact(record.Slice(offset, entryLength));
            if (error != RecordError.None)
                return error;
            offset += entryLength;
        }
        return offset == record.Length ? RecordError.None : RecordError.TrailingBytes;
    }

    /// <summary>Smallest non-zero expires in the record (0: nothing expires), without full validation.</summary>
    public static long PeekMinExpires(ReadOnlySpan<byte> record)
        => record.Length >= HeaderSize && record[0] == CurrentVersion
            ? BinaryPrimitives.ReadInt64LittleEndian(record.Slice(OffsetMinExpires))
            : 0;

    /// <summary>Number of contacts in the header (0 for anything that is not a record).</summary>
    public static int PeekContactCount(ReadOnlySpan<byte> record)
        => record.Length >= HeaderSize && record[0] == CurrentVersion ? record[OffsetCount] : 0;

    private static RecordError ValidateContact(ReadOnlySpan<byte> entry)
    {
        int offset = ContactFixedSize;
        int strings = StringCount + entry[COffsetPathCount];
        for (int s = 0; s < strings; s++)
        {
            if (offset + 2 > entry.Length)
                return RecordError.Truncated;
            int length = BinaryPrimitives.ReadUInt16LittleEndian(entry.Slice(offset));
            offset += 2;
            if (length > entry.Length - offset)
                return RecordError.BadStringLength;
            offset += length;
        }
        return offset == entry.Length ? RecordError.None : RecordError.BadContactLength;
    }

    /// <summary>A binding is valid while <c>expires &gt; now</c>; 0 means permanent.</summary>
    public static bool IsValid(long expires, long now) => expires == 0 || expires > now;
}
