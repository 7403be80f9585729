namespace Hyperproxy.Location;

/// <summary>
/// A snapshot of the store's counters. <see cref="Aors"/> and <see cref="Contacts"/> are approximate:
/// they are per-session deltas kept by the store's write callbacks (new record, changed record, deleted
/// record), summed when read, on top of the counts found at recovery; contacts that have expired but
/// have not been purged yet are still counted.
/// </summary>
public sealed record LocationStats
{
    public long Aors { get; init; }
    public long Contacts { get; init; }
    public long PurgePasses { get; init; }
    public long PurgedContacts { get; init; }
    public long PurgedAors { get; init; }
    public TimeSpan LastPurgeDuration { get; init; }
    public long Checkpoints { get; init; }

    /// <summary>Checkpoints started early because the WAL outgrew <see cref="LocationStoreOptions.CheckpointWalBytes"/>.</summary>
    public long WalTriggeredCheckpoints { get; init; }
    public TimeSpan LastCheckpointDuration { get; init; }
    public TimeSpan MaxCheckpointDuration { get; init; }
    public long Compactions { get; init; }
    public TimeSpan LastCompactionDuration { get; init; }
    public long WalCommits { get; init; }
    public TimeSpan LastWalCommitDuration { get; init; }
    public TimeSpan MaxWalCommitDuration { get; init; }

    /// <summary>Percentiles of WAL flush time (one write + fdatasync of a session's batch) since start.</summary>
    public TimeSpan WalCommitP50 { get; init; }
    public TimeSpan WalCommitP99 { get; init; }
    public TimeSpan WalCommitP999 { get; init; }

    /// <summary>WAL syncs that overlapped a checkpoint (which writes and syncs hybrid-log pages: a sync issued
    /// meanwhile waits for the disk cache flush that carries them), and their 99th percentile.</summary>
    public long WalCommitsDuringCheckpoint { get; init; }
    public TimeSpan WalCommitP99DuringCheckpoint { get; init; }

    /// <summary>WAL syncs that overlapped a hybrid-log page flush outside a checkpoint (pages the log's memory sent to
    /// the disk as its tail moved on), and their p99.</summary>
    public long WalCommitsDuringLogFlush { get; init; }
    public TimeSpan WalCommitP99DuringLogFlush { get; init; }

    /// <summary>WAL syncs that overlapped the zero fill of a spare segment (the preallocator's writes and sync), and their p99.</summary>
    public long WalCommitsDuringPreallocation { get; init; }
    public TimeSpan WalCommitP99DuringPreallocation { get; init; }

    /// <summary>p99 of the WAL syncs that overlapped neither a checkpoint nor a zero fill: the disk's own share.</summary>
    public TimeSpan WalCommitP99Quiet { get; init; }

    /// <summary>p99 of the two parts of a WAL flush: the <c>pwrite</c> into the page cache and the <c>fdatasync</c>.</summary>
    public TimeSpan WalWriteP99 { get; init; }
    public TimeSpan WalSyncP99 { get; init; }

    /// <summary>WAL segments opened on a preallocated (zero-filled, synced) file, and on a new empty one.</summary>
    public long WalSegmentsPreallocated { get; init; }
    public long WalSegmentsNotPreallocated { get; init; }

    /// <summary>WAL segments a checkpoint covered that became spares (reused without a zero fill) instead of being deleted.</summary>
    public long WalSegmentsRecycled { get; init; }

    /// <summary>WAL flushes that failed (I/O errors); the changes concerned are never acknowledged.</summary>
    public long WalFailures { get; init; }
    /// <summary>WAL bytes kept on disk (between its begin and tail).</summary>
    public long WalBytes { get; init; }

    /// <summary>WAL bytes written since the last completed checkpoint (what a restart would replay).</summary>
    public long WalBytesSinceCheckpoint { get; init; }
    public long LogBytes { get; init; }
    public long LogMemoryBytes { get; init; }

    /// <summary>Redis store: commands sent (GETs, compare-and-set scripts, deletes).</summary>
    public long CachedbOperations { get; init; }

    /// <summary>Redis store: operations that failed (not connected, timeout, server error, too many conflicts).</summary>
    public long CachedbFailures { get; init; }

    /// <summary>Redis store: compare-and-set attempts lost to another node's write of the same AoR (then retried).</summary>
    public long CachedbConflicts { get; init; }

    /// <summary>Redis store: connections restored after a loss.</summary>
    public long CachedbReconnects { get; init; }

    /// <summary>Redis store: round trips (a pipelined flight of commands counts once).</summary>
    public long CachedbRoundTrips { get; init; }

    /// <summary>Redis store, durability sync: writes no replica acknowledged within WAIT's timeout (answered 500).</summary>
    public long CachedbNotReplicated { get; init; }

    /// <summary>Redis store: saves sent as the compare-and-set alone, expecting the record the worker last wrote (no GET).</summary>
    public long CachedbKnownSaves { get; init; }

    /// <summary>Redis store: of those, saves that found the AoR changed since (another node or worker wrote it, or it
    /// expired) and ran again on what was there.</summary>
    public long CachedbKnownStale { get; init; }
}
