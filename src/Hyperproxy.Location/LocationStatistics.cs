namespace Hyperproxy.Location;

/// <summary>
/// The usrloc statistics group as <c>$stat(name)</c> (and, later, the management interface) reads it:
/// OpenSIPS's <c>registered_users</c> and <c>location-contacts</c>, and what durability costs —
/// <c>wal_commits</c>, <c>wal_commit_p50_us</c> / <c>_p99_us</c> / <c>_max_us</c> (one write + fdatasync of a
/// session's batch), <c>wal_failures</c>, and <c>parked_reply_wait_p50_us</c> / <c>_p99_us</c> / <c>_max_us</c>
/// (from a 200 OK being parked to its release) and <c>parked_replies_deferred</c> (released later than the
/// batch that parked them) summed over the workers; with a Redis store <c>cachedb_operations</c>,
/// <c>cachedb_failures</c>, <c>cachedb_conflicts</c> (compare-and-set lost to another node, retried),
/// <c>cachedb_reconnects</c>, <c>cachedb_known_saves</c> (saves sent without a GET, expecting the record the worker
/// last wrote) and <c>cachedb_known_stale</c> (of those, the ones that found the AoR changed and ran again); with the embedded FASTER store <c>log_bytes</c> (its record log between begin and tail:
/// what has been appended and not yet compacted away) and <c>log_memory_bytes</c> (the log pages allocated in memory,
/// 4 MB each, allocated as the tail first reaches them and reused once the log wraps its memory budget). Reading takes the store's stats
/// snapshot: fine for a timer_route or a management request, too dear to do per message.
/// </summary>
public static class LocationStatistics
{
    /// <summary>The names <see cref="TryGet"/> knows, in the order a dump lists them.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "registered_users", "location-contacts", "wal_commits", "wal_commit_p50_us", "wal_commit_p99_us",
        "wal_commit_max_us", "wal_failures", "parked_replies_released", "parked_reply_wait_p50_us",
        "parked_reply_wait_p99_us", "parked_reply_wait_max_us", "parked_replies_deferred",
        "cachedb_operations", "cachedb_failures", "cachedb_conflicts", "cachedb_reconnects",
        "cachedb_round_trips", "cachedb_not_replicated",
        "wal_commits_during_checkpoint", "wal_commit_checkpoint_p99_us",
        "log_bytes", "log_memory_bytes",
        "wal_commits_during_prealloc", "wal_commit_prealloc_p99_us", "wal_commit_quiet_p99_us",
        "wal_write_p99_us", "wal_sync_p99_us", "cachedb_known_saves", "cachedb_known_stale",
        "wal_commits_during_log_flush", "wal_commit_log_flush_p99_us",
    ];

    public static bool TryGet(ReadOnlySpan<byte> name, ILocationStore? store, IReadOnlyList<DurableReplyStats>? replies, out long value)
    {
        value = 0;
        int field = -1;
        for (int i = 0; i < Names.Count; i++)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(name, Names[i]))
            {
                field = i;
                break;
            }
        }
        if (field < 0 || store is null)
            return false;
        if (field is >= 7 and < 12)
        {
            if (field == 11)
            {
                value = SumDeferred(replies);
                return true;
            }
            LatencyHistogram waits = SumWaits(replies);
            value = field switch
            {
                7 => waits.Count,
                8 => waits.Percentile(50),
                9 => waits.Percentile(99),
                _ => waits.Max,
            };
            return true;
        }
        LocationStats stats = store.GetStats();
        value = field switch
        {
            0 => stats.Aors,
            1 => stats.Contacts,
            2 => stats.WalCommits,
            3 => (long)stats.WalCommitP50.TotalMicroseconds,
            4 => (long)stats.WalCommitP99.TotalMicroseconds,
            5 => (long)stats.MaxWalCommitDuration.TotalMicroseconds,
            6 => stats.WalFailures,
            12 => stats.CachedbOperations,
            13 => stats.CachedbFailures,
            14 => stats.CachedbConflicts,
            15 => stats.CachedbReconnects,
            16 => stats.CachedbRoundTrips,
            17 => stats.CachedbNotReplicated,
            18 => stats.WalCommitsDuringCheckpoint,
            19 => (long)stats.WalCommitP99DuringCheckpoint.TotalMicroseconds,
            20 => stats.LogBytes,
            21 => stats.LogMemoryBytes,
            22 => stats.WalCommitsDuringPreallocation,
            23 => (long)stats.WalCommitP99DuringPreallocation.TotalMicroseconds,
            24 => (long)stats.WalCommitP99Quiet.TotalMicroseconds,
            25 => (long)stats.WalWriteP99.TotalMicroseconds,
            26 => (long)stats.WalSyncP99.TotalMicroseconds,
            27 => stats.CachedbKnownSaves,
            28 => stats.CachedbKnownStale,
            29 => stats.WalCommitsDuringLogFlush,
            _ => (long)stats.WalCommitP99DuringLogFlush.TotalMicroseconds,
        };
        return true;
    }

    /// <summary>The workers' reply-wait histograms added together.</summary>
    public static LatencyHistogram SumWaits(IReadOnlyList<DurableReplyStats>? replies)
    {
        var sum = new LatencyHistogram();
        for (int i = 0; replies is not null && i < replies.Count; i++)
            replies[i].Wait.AddTo(sum);
        return sum;
    }

    private static long SumDeferred(IReadOnlyList<DurableReplyStats>? replies)
    {
        long sum = 0;
        for (int i = 0; replies is not null && i < replies.Count; i++)
            sum += replies[i].Deferred;
        return sum;
    }

    /// <summary>One line for the log: WAL commits and reply waits, when the store has a WAL.</summary>
    public static string? Describe(ILocationStore store, IReadOnlyList<DurableReplyStats>? replies)
    {
        if (store is Redis.RedisLocationStore)
        {
            LocationStats r = store.GetStats();
            return $"location store: redis {r.CachedbOperations} operations in {r.CachedbRoundTrips} round trips, failures {r.CachedbFailures}, "
                + $"conflicts {r.CachedbConflicts}, not replicated {r.CachedbNotReplicated}, reconnects {r.CachedbReconnects}, "
                + $"saves without a GET {r.CachedbKnownSaves} (stale {r.CachedbKnownStale})";
        }

        if (store.Durability != Durability.Sync)
            return null;
        LocationStats s = store.GetStats();
        LatencyHistogram waits = SumWaits(replies);
        long deferred = SumDeferred(replies);
        return $"location store: {s.WalCommits} WAL commits (write + fdatasync) p50 {Us(s.WalCommitP50)} p99 {Us(s.WalCommitP99)} "
            + $"p99.9 {Us(s.WalCommitP999)} max {Us(s.MaxWalCommitDuration)}, failures {s.WalFailures}; "
            + $"{s.WalCommitsDuringCheckpoint} overlapped a checkpoint, p99 {Us(s.WalCommitP99DuringCheckpoint)}; "
            + $"{s.WalCommitsDuringPreallocation} overlapped a segment's zero fill, p99 {Us(s.WalCommitP99DuringPreallocation)}; "
            + $"{s.WalCommitsDuringLogFlush} overlapped a hybrid-log page flush, p99 {Us(s.WalCommitP99DuringLogFlush)}; "
            + $"none of these, p99 {Us(s.WalCommitP99Quiet)}; write p99 {Us(s.WalWriteP99)}, fdatasync p99 {Us(s.WalSyncP99)}; "
            + $"segments preallocated {s.WalSegmentsPreallocated}, not {s.WalSegmentsNotPreallocated}, recycled {s.WalSegmentsRecycled}; "
            + $"{waits.Count} parked replies released, wait p50 {waits.Percentile(50)} us p99 {waits.Percentile(99)} us max {waits.Max} us, {deferred} deferred past their batch";
    }

    private static string Us(TimeSpan t) => ((long)t.TotalMicroseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) + " us";
}
