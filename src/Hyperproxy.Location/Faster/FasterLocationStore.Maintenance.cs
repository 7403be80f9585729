using System.Diagnostics;
using FASTER.core;

namespace Hyperproxy.Location.Faster;

// Background work, never on a worker: the expiry purge (Log.Scan for candidates, then a conditional
// purge RMW each, rechecked under the record lock) and log compaction followed by a checkpoint. Both
// run on one thread with its own session, so a scan never races a compaction moving BeginAddress. That
// session logs to the WAL (sync mode), so a purge survives a crash as a save does; in checkpoint mode a
// purge, like a save, is durable with the next checkpoint.
public sealed partial class FasterLocationStore
{
    private readonly LocationFunctions _maintenanceFunctions;
    private readonly FasterLocationSession _maintenanceSession;
    private readonly object _maintenanceLock = new();
    private readonly KeyBatch _batch = new();
    private readonly ManualResetEvent _stopEvent = new(false);
    private readonly AutoResetEvent _purgeWake = new(false);
    private Thread? _checkpointer;
    private Thread? _maintainer;
    private long _purgePasses;
    private long _purgedContacts;
    private long _purgedAors;
    private long _lastPurgeTicks;
    private long _compactions;
    private long _lastCompactionTicks;

    private void StartThreads()
    {
        if (_options.Durability != Durability.None)
        {
            _checkpointer = new Thread(CheckpointLoop) { IsBackground = true, Name = "location-checkpoint" };
            _checkpointer.Start();
        }
        _maintainer = new Thread(MaintenanceLoop) { IsBackground = true, Name = "location-maintenance" };
        _maintainer.Start();
    }

    private void StopThreads()
    {
        _stopEvent.Set();
        _checkpointer?.Join();
        _maintainer?.Join();
    }

    /// <summary>Asks the background thread for a purge pass now (it otherwise runs every
    /// <see cref="LocationStoreOptions.PurgeInterval"/>).</summary>
    public void RequestPurge() => _purgeWake.Set();

    private void MaintenanceLoop()
    {
        var handles = new WaitHandle[] { _stopEvent, _purgeWake };
        while (WaitHandle.WaitAny(handles, _options.PurgeInterval) != 0)
        {
            PurgeNow();
            if (CompactionDue())
                CompactNow();
        }
    }

    /// <summary>One purge pass on the calling thread; returns the number of bindings removed.</summary>
    public long PurgeNow()
    {
        lock (_maintenanceLock)
        {
            if (_disposed)
                return 0;
            long start = Stopwatch.GetTimestamp();
            long now = _options.Clock.UnixSeconds;
            _batch.Clear();
            var collector = new KeyCollector { Batch = _batch, ExpiredAt = now, OnlyExpired = true };
            _kv.Log.Scan(ref collector, _kv.Log.BeginAddress, _kv.Log.TailAddress);
            long removed = 0;
            var purge = new PurgeUpdater { Now = now };
            for (int i = 0; i < _batch.Count; i++)
            {
                UpdateStatus status = _maintenanceSession.Update(_batch.Key(i), ref purge, out _);
                if (status == UpdateStatus.Unchanged)
                    continue;
                removed += purge.Removed;
                if (status == UpdateStatus.Deleted)
                    Interlocked.Increment(ref _purgedAors);
            }
            // A purge is acknowledged to nobody, but it must not sit in the buffer until the next one.
            _maintenanceSession.Flush();
            Interlocked.Add(ref _purgedContacts, removed);
            Interlocked.Increment(ref _purgePasses);
            Volatile.Write(ref _lastPurgeTicks, Stopwatch.GetElapsedTime(start).Ticks);
            return removed;
        }
    }

    private bool CompactionDue()
    {
        if (ListingActive)
            return false;
        long span = _kv.Log.TailAddress - _kv.Log.BeginAddress;
        long live = Math.Max(0, GetStats().Aors) * Math.Max(64, _options.AverageRecordBytes);
        return span > _options.CompactionMinBytes && span > 2 * live;
    }

    /// <summary>Compacts the log up to its safe read-only address (dropping fully expired AoRs), then
    /// checkpoints so the freed segments are deleted. Returns the new begin address.</summary>
    public long CompactNow()
    {
        lock (_maintenanceLock)
        {
            if (_disposed)
                return 0;
            long start = Stopwatch.GetTimestamp();
            long until = _kv.Log.SafeReadOnlyAddress;
            long begin = _kv.Log.BeginAddress;
            if (until > begin)
            {
                lock (_checkpointLock)
                {
                    begin = _maintenanceSession.Inner.Compact(until, CompactionType.Lookup, new ExpiredCompaction(_options.Clock.UnixSeconds));
                    if (_options.Durability == Durability.None)
                        _kv.Log.ShiftBeginAddress(begin, snapToPageStart: true, truncateLog: true);
                }
                CheckpointNow();
            }
            Interlocked.Increment(ref _compactions);
            Volatile.Write(ref _lastCompactionTicks, Stopwatch.GetElapsedTime(start).Ticks);
            return begin;
        }
    }
}
