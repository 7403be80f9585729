namespace Hyperproxy.Location;

/// <summary>How much a crash may lose (<c>--durability none|checkpoint|sync</c>).</summary>
public enum Durability : byte
{
    /// <summary>In memory only: a restart starts empty.</summary>
    None,

    /// <summary>
    /// Periodic fold-over checkpoints; acknowledgements are immediate. A crash loses the writes made
    /// since the start of the last completed checkpoint: at most the checkpoint interval plus the duration
    /// of one checkpoint (a few ms to ~1 s for 1M AoRs).
    /// </summary>
    Checkpoint,

    /// <summary>
    /// Write-ahead log: every change's after-image is framed into its session's WAL writer; the worker writes
    /// and syncs its writer once per receive batch (one pwrite + fdatasync, on its own thread) and sends the
    /// batch's 200 OKs right after. A change is durable once its <see cref="CommitTicket"/> is committed, and
    /// a crash loses nothing that was committed. Checkpoints still run, to bound replay and disk use.
    /// </summary>
    Sync,
}
