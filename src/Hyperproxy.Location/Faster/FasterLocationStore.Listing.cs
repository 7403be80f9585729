using System.Globalization;
using FASTER.core;

namespace Hyperproxy.Location.Faster;

// ul_dump's paged listing. A listing is the log range [begin, end) where end is the tail when it started,
// and its first page makes that range read-only: every version in it was written before the listing began
// and stays as it was, and every write after it lands at or beyond end. An AoR is listed at the address of its newest version below end (found by walking that key's
// versions, newest first, which stops at the first one below end), so it is listed exactly once however
// often workers rewrite it meanwhile; AoRs created during the listing are not in it. The cursor is
// (end, next address, compaction count): no state is kept between pages, each page scans only its own
// stretch of the log, and the maintenance lock is held for one page only (workers never take it). While
// pages keep coming, automatic compaction waits (it would move live records behind the cursor); an explicit
// compaction meanwhile expires the cursor.
public sealed partial class FasterLocationStore : ILocationListing
{
    private const string CursorVersion = "f1";
    private static readonly long s_leaseMilliseconds = 120_000;
    private long _listingLeaseUntil;

    /// <summary>True while a paged listing has asked for a page in the last two minutes (compaction waits).</summary>
    private bool ListingActive => Environment.TickCount64 < Volatile.Read(ref _listingLeaseUntil);

    public ListingStatus ListPage(string? cursor, int limit, List<byte[]> aors, out string? next)
    {
        next = null;
        if (limit < 1)
            limit = 1;
        lock (_maintenanceLock)
        {
            if (_disposed)
                return ListingStatus.Failed;
            long compactions = Volatile.Read(ref _compactions);
            long end, from;
            if (cursor is null)
            {
                // The fence: every record below end becomes read-only, so from now on a rewrite of it goes
                // to the tail (copy-on-write) instead of changing it in place or sealing it; the versions
                // below end are then exactly the table as it was. (Workers do not wait for this; the
                // management thread does, while the pages below end are flushed.)
                end = _kv.Log.TailAddress;
                _kv.Log.ShiftReadOnlyAddress(end, wait: true);
                from = _kv.Log.BeginAddress;
            }
            else
            {
                ListingStatus parsed = ParseCursor(cursor, out end, out from, out long cursorCompactions);
                if (parsed != ListingStatus.Ok)
                    return parsed;
                if (cursorCompactions != compactions || from < _kv.Log.BeginAddress)
                    return ListingStatus.CursorExpired;
            }

            Volatile.Write(ref _listingLeaseUntil, Environment.TickCount64 + s_leaseMilliseconds);
            if (from >= end)
                return ListingStatus.Ok;

            // Scan at most this many records (current and stale) per page, so a stretch of stale versions
            // costs a few short pages rather than one long one.
            int budget = Math.Max(4 * limit, 4096);
            _batch.Clear();
            var collector = new ListingCollector { Batch = _batch, MaxKeys = limit, MaxRecords = budget, StopAddress = -1 };
            _kv.Log.Scan(ref collector, from, end);
            for (int i = 0; i < _batch.Count; i++)
            {
                ReadOnlySpan<byte> key = _batch.Key(i);
                if (NewestBelow(key, end) == _batch.Address(i))
                    aors.Add(key.ToArray());
            }

            long resume = collector.StopAddress >= 0 ? collector.StopAddress : end;
            if (resume < end)
                next = FormatCursor(end, resume, compactions);
            else
                Volatile.Write(ref _listingLeaseUntil, 0);
            return ListingStatus.Ok;
        }
    }

    /// <summary>The address of the newest live (not deleted) version of <paramref name="key"/> below
    /// <paramref name="end"/>, or -1.</summary>
    private unsafe long NewestBelow(ReadOnlySpan<byte> key, long end)
    {
        fixed (byte* pointer = key)
        {
            var spanKey = SpanByte.FromPointer(pointer, key.Length);
            var finder = new VersionFinder { End = end, Address = -1 };
            _kv.Log.IterateKeyVersions(ref finder, ref spanKey);
            return finder.Tombstone ? -1 : finder.Address;
        }
    }

    private static string FormatCursor(long end, long next, long compactions)
        => string.Create(CultureInfo.InvariantCulture, $"{CursorVersion}.{end:x}.{next:x}.{compactions:x}");

    private static ListingStatus ParseCursor(string cursor, out long end, out long next, out long compactions)
    {
        end = next = compactions = 0;
        string[] parts = cursor.Split('.');
        if (parts.Length != 4 || parts[0] != CursorVersion
            || !long.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out end)
            || !long.TryParse(parts[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out next)
            || !long.TryParse(parts[3], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out compactions)
            || next < 0 || next > end)
            return ListingStatus.BadCursor;
        return ListingStatus.Ok;
    }

    /// <summary>Collects (key, address) of every valid, non-deleted record until it has <see cref="MaxKeys"/>
    /// of them or has seen <see cref="MaxRecords"/> records; <see cref="StopAddress"/> is then the first
    /// record not taken (-1 when the scan reached its end). Sealed versions (rewritten elsewhere since) are
    /// taken: the version walk decides.</summary>
    private struct ListingCollector : IScanIteratorFunctions<SpanByte, SpanByte>
    {
        public KeyBatch Batch;
        public int MaxKeys;
        public int MaxRecords;
        public long StopAddress;
        private int _seen;

        public readonly bool OnStart(long beginAddress, long endAddress) => true;

        public bool SingleReader(ref SpanByte key, ref SpanByte value, RecordMetadata recordMetadata, long numberOfRecords)
            => Collect(ref key, recordMetadata);

        public bool ConcurrentReader(ref SpanByte key, ref SpanByte value, RecordMetadata recordMetadata, long numberOfRecords)
            => Collect(ref key, recordMetadata);

        public readonly void OnStop(bool completed, long numberOfRecords)
        {
        }

        public readonly void OnException(Exception exception, long numberOfRecords)
        {
        }

        private bool Collect(ref SpanByte key, RecordMetadata recordMetadata)
        {
            if (Batch.Count >= MaxKeys || _seen >= MaxRecords)
            {
                StopAddress = recordMetadata.Address;
                return false;
            }
            _seen++;
            if (!recordMetadata.RecordInfo.Tombstone && !recordMetadata.RecordInfo.Invalid)
                Batch.Add(key.AsReadOnlySpan(), recordMetadata.Address);
            return true;
        }
    }

    /// <summary>Walks one key's versions newest first and stops at the first valid one below <see cref="End"/>.</summary>
    private struct VersionFinder : IScanIteratorFunctions<SpanByte, SpanByte>
    {
        public long End;
        public long Address;
        public bool Tombstone;

        public readonly bool OnStart(long beginAddress, long endAddress) => true;

        public bool SingleReader(ref SpanByte key, ref SpanByte value, RecordMetadata recordMetadata, long numberOfRecords)
            => Visit(recordMetadata);

        public bool ConcurrentReader(ref SpanByte key, ref SpanByte value, RecordMetadata recordMetadata, long numberOfRecords)
            => Visit(recordMetadata);

        public readonly void OnStop(bool completed, long numberOfRecords)
        {
        }

        public readonly void OnException(Exception exception, long numberOfRecords)
        {
        }

        private bool Visit(RecordMetadata recordMetadata)
        {
            if (recordMetadata.Address >= End || recordMetadata.RecordInfo.Invalid)
                return true;
            Address = recordMetadata.Address;
            Tombstone = recordMetadata.RecordInfo.Tombstone;
            return false;
        }
    }
}
