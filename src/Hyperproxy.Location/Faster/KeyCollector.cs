using FASTER.core;
using Hyperproxy.Location.Records;

namespace Hyperproxy.Location.Faster;

/// <summary>
/// <c>Log.Scan</c> callbacks: collects the keys of non-deleted records, all of them or only those with a
/// binding expired at <see cref="ExpiredAt"/>. The raw scan sees every version of a key; the second pass
/// (a conditional purge RMW, or a read comparing addresses) settles which one is current.
/// </summary>
internal struct KeyCollector : IScanIteratorFunctions<SpanByte, SpanByte>
{
    public KeyBatch Batch;
    public long ExpiredAt;
    public bool OnlyExpired;

    public readonly bool OnStart(long beginAddress, long endAddress) => true;

    public readonly bool SingleReader(ref SpanByte key, ref SpanByte value, RecordMetadata recordMetadata, long numberOfRecords)
        => Collect(ref key, ref value, recordMetadata);

    public readonly bool ConcurrentReader(ref SpanByte key, ref SpanByte value, RecordMetadata recordMetadata, long numberOfRecords)
        => Collect(ref key, ref value, recordMetadata);

    public readonly void OnStop(bool completed, long numberOfRecords)
    {
    }

    public readonly void OnException(Exception exception, long numberOfRecords)
    {
    }

    private readonly bool Collect(ref SpanByte key, ref SpanByte value, RecordMetadata recordMetadata)
    {
        if (recordMetadata.RecordInfo.Tombstone || recordMetadata.RecordInfo.Invalid)
            return true;
        if (OnlyExpired)
        {
            long min = LocationRecord.PeekMinExpires(value.AsReadOnlySpan());
            if (min == 0 || min > ExpiredAt)
                return true;
        }
        Batch.Add(key.AsReadOnlySpan(), recordMetadata.Address);
        return true;
    }
}
