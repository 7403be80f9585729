namespace Hyperproxy.Location;

/// <summary>Settings of the location store, decided at start-up.</summary>
public sealed class LocationStoreOptions
{
    public Durability Durability { get; init; } = Durability.None;

    /// <summary>Where the log, checkpoints and WAL live. With <see cref="Durability.None"/> it may be null:
    /// the overflow log then goes to a temporary directory that is deleted on dispose.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Expected number of AoRs; sizes the hash index and the in-memory log.</summary>
    public long ExpectedAors { get; init; } = 100_000;

    /// <summary>Expected bytes per stored AoR (key + record + FASTER's 16 B); sizes the in-memory log so
    /// that all AoRs plus their rewritten versions stay in memory and reads never go to disk.</summary>
    public int AverageRecordBytes { get; init; } = 384;

    /// <summary>Largest record an updater may write (the per-session scratch buffer).</summary>
    public int MaxRecordBytes { get; init; } = 32 * 1024;

    private readonly TimeSpan? _checkpointInterval;

    /// <summary>
    /// Checkpoint cadence. By default every second in <see cref="Durability.Checkpoint"/> (what a crash may lose) and
    /// every <see cref="DefaultSyncCheckpointInterval"/> in <see cref="Durability.Sync"/>, where the WAL holds every
    /// acknowledged change and a checkpoint only bounds replay and disk use — which <see cref="CheckpointWalBytes"/>
    /// does under load — while every checkpoint's writes slow the WAL syncs that overlap it (docs/durability.md).
    /// </summary>
    public TimeSpan CheckpointInterval
    {
        get => _checkpointInterval ?? (Durability == Durability.Sync ? DefaultSyncCheckpointInterval : TimeSpan.FromSeconds(1));
        init => _checkpointInterval = value;
    }

    /// <summary>Default of <see cref="CheckpointInterval"/> in <see cref="Durability.Sync"/>: 10 s.</summary>
    public static readonly TimeSpan DefaultSyncCheckpointInterval = TimeSpan.FromSeconds(10);

    /// <summary>Default of <see cref="CheckpointWalBytes"/>: 64 MiB.</summary>
    public const long DefaultCheckpointWalBytes = 64L << 20;

    /// <summary>
    /// <see cref="Durability.Sync"/>: once the WAL written since the last completed checkpoint exceeds this
    /// many bytes, the checkpoint thread starts a checkpoint before <see cref="CheckpointInterval"/> is up,
    /// which bounds replay time and disk use in a REGISTER burst (the WAL keeps up to about twice this: it is
    /// truncated behind the previous checkpoint). The thread whose flush passes the threshold wakes the
    /// checkpoint thread (one event per checkpoint). 0 = only the timer. No effect in the other modes (they
    /// have no WAL).
    /// </summary>
    public long CheckpointWalBytes { get; init; } = DefaultCheckpointWalBytes;

    /// <summary>The smallest non-zero <see cref="CheckpointWalBytes"/> the CLI and usrloc accept: one WAL page.
    /// Less would checkpoint back to back under load, and every checkpoint makes the whole log read-only.</summary>
    public const long MinCheckpointWalBytes = 1L << 20;

    /// <summary>
    /// Parses <c>--checkpoint-wal-size</c> / usrloc <c>checkpoint_wal_size</c>: 0 (timer only) or a
    /// <see cref="ByteSize"/> of at least <see cref="MinCheckpointWalBytes"/>; <paramref name="error"/> says why not.
    /// </summary>
    public static bool TryParseCheckpointWalBytes(string text, out long bytes, out string error)
    {
        error = string.Empty;
        if (ByteSize.TryParse(text, out bytes) && (bytes == 0 || bytes >= MinCheckpointWalBytes))
        {
            return true;
        }

        error = $"'{text}' is not a WAL size; use 0 (checkpoints on the timer only) or a size of at least 1M, e.g. 64M (K, M, G are binary units)";
        return false;
    }

    /// <summary>Every how many checkpoints the hash index is checkpointed too (the first one always is).</summary>
    public int IndexCheckpointEvery { get; init; } = 60;

    /// <summary>Cadence of the background expiry purge (<c>Log.Scan</c> plus conditional purge RMWs).</summary>
    public TimeSpan PurgeInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The background thread compacts when the log spans more than this and more than twice the live data.</summary>
    public long CompactionMinBytes { get; init; } = 256L << 20;

    /// <summary>A WAL segment file is closed (and becomes deletable once a checkpoint covers it) when a flush
    /// leaves it this large. 0 (default): a quarter of <see cref="CheckpointWalBytes"/> within 256 KiB–16 MiB,
    /// so the WAL kept on disk stays near twice the early-checkpoint size.</summary>
    public long WalSegmentBytes { get; init; }

    internal long EffectiveWalSegmentBytes => WalSegmentBytes > 0 ? Math.Max(4096, WalSegmentBytes)
        : CheckpointWalBytes == 0 ? 16L << 20 : Math.Clamp(CheckpointWalBytes / 4, 256L << 10, 16L << 20);

    /// <summary>Where the store's background threads report trouble (a WAL segment that cannot be written
    /// or deleted). Called rarely; never on a per-message path that works.</summary>
    public Action<string> Log { get; init; } = static _ => { };

    /// <summary>Clock for the background purge and compaction (reads take <c>now</c> from the caller).</summary>
    public LocationClock Clock { get; init; } = LocationClock.System;
}
