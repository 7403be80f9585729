using FASTER.core;
using Hyperproxy.Location.Records;

namespace Hyperproxy.Location.Faster;

/// <summary>Compaction drops records whose every binding has expired (they read as empty anyway).</summary>
internal readonly struct ExpiredCompaction : ICompactionFunctions<SpanByte, SpanByte>
{
    private readonly long _now;

    public ExpiredCompaction(long now) => _now = now;

    public bool IsDeleted(ref SpanByte key, ref SpanByte value)
    {
        ReadOnlySpan<byte> record = value.AsReadOnlySpan();
        if (LocationRecord.TryOpen(record, out LocationRecordReader reader) != RecordError.None)
            return false;
        return reader.Count > 0 && reader.CountValid(_now) == 0;
    }
}
