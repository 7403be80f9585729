using System.Globalization;
using FASTER.core;

namespace Hyperproxy.Location.Faster;

// ul_dump's paged listing. A listing is a frozen stretch of the log: its first page makes [begin, fence)
// read-only, where fence is the tail when it started, so every version in it stays as it is and every
// later write lands at or beyond fence. An AoR is listed at the address of its newest version below fence
// (found by walking that key's versions, newest first, which stops at the first one below fence), so it is
// listed exactly once however often workers rewrite it meanwhile; AoRs created during the listing are not
// in it. One race needs a second fence: a write already under way when the first took effect may still
// find the AoR's version in the mutable region, copy it to the tail (a value that grew does not fit in
// place) and seal the old one, and FASTER's scans and version walks skip sealed records, so that AoR has
// no version below fence left to list. Such copies land in [fence, end), where end is the tail once the
// first fence has taken effect; the second fence makes that stretch read-only too, and an AoR with no
// version below fence is listed at its newest version below end. (Only an AoR rewritten again while the
// second fence takes effect can still be missed: two writes to one key within two epoch drains.) The
// cursor is (fence, end, next address, compaction count): no state is kept between pages, each page scans
// only its own stretch of the log, and the maintenance lock is held for one page only (workers never take
// it). While pages keep coming, automatic compaction waits (it would move live records behind the cursor);
// an explicit compaction meanwhile expires the cursor.
public sealed partial class FasterLocationStore : ILocationListing
{
    private const string CursorVersion = "f2";
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
            long fence, end, from;
            if (cursor is null)
            {
                // The fence: every record below it becomes read-only, so from now on a rewrite of it goes
                // to the tail (copy-on-write) instead of changing it in place or sealing it; the versions
                // below it are then exactly the table as it was. (Workers do not wait for this; the
                // management thread does, while the pages below it are flushed.) Then the second fence over
                // what the writes under way meanwhile appended (see the type).
                fence = _kv.Log.TailAddress;
                _kv.Log.ShiftReadOnlyAddress(fence, wait: true);
                end = _kv.Log.TailAddress;
                _kv.Log.ShiftReadOnlyAddress(end, wait: true);
                from = _kv.Log.BeginAddress;
            }
            else
            {
                ListingStatus parsed = ParseCursor(cursor, out fence, out end, out from, out long cursorCompactions);
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
                long address = _batch.Address(i);
                long newest = NewestBelow(key, fence);
                if (newest == address || (newest < 0 && address >= fence && NewestBelow(key, end) == address))
                    aors.Add(key.ToArray());
            }

            long resume = collector.StopAddress >= 0 ? collector.StopAddress : end;
            if (resume < end)
                next = FormatCursor(fence, end, resume, compactions);
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

    private static string FormatCursor(long fence, long end, long next, long compactions)
        => string.Create(CultureInfo.InvariantCulture, $"{CursorVersion}.{fence:x}.{end:x}.{next:x}.{compactions:x}");

    private static ListingStatus ParseCursor(string cursor, out long fence, out long end, out long next, out long compactions)
    {
        fence = end = next = compactions = 0;
        string[] parts = cursor.Split('.');
        if (parts.Length != 5 || parts[0] != CursorVersion
            || !long.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out fence)
            || !long.TryParse(parts[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out end)
            || !long.TryParse(parts[3], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out next)
            || !long.TryParse(parts[4], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out compactions)
            || fence < 0 || fence > end || next < 0 || next > end)
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
