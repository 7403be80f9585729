namespace Hyperproxy.Location;

/// <summary>
/// A session of a store across the network (<see cref="Redis.RedisLocationStore"/>) whose reads need not
/// hold up the worker: <see cref="ReadOrFetch"/> answers from a fetch that has completed, or starts one and
/// says <see cref="ReadStatus.Pending"/>, so the caller can park its request and run it again later. The
/// fetches started in one worker turn go out together (pipelined). Single-threaded, like the session.
/// </summary>
public interface IFetchingSession
{
    /// <summary>As <see cref="ILocationSession.Read"/> when a fetch of <paramref name="aor"/> has completed
    /// (or failed, or timed out: <see cref="ReadStatus.Failed"/>); <see cref="ReadStatus.Pending"/> while it
    /// runs or once it is started. When no fetch can be started (all slots taken) it reads synchronously.</summary>
    ReadStatus ReadOrFetch(ReadOnlySpan<byte> aor, Span<byte> buffer, out int length);

    /// <summary>Fetches started and not forgotten.</summary>
    int Fetches { get; }

    /// <summary>True when a fetch or write has completed, failed or timed out since the last
    /// <see cref="SnapshotAnswers"/> (an answer no pass over the parked requests has handed out yet).</summary>
    bool HasAnswers { get; }

    /// <summary>Fails the fetches started before <paramref name="stopwatchTimestamp"/> that have not completed.</summary>
    void FailFetchesStartedBefore(long stopwatchTimestamp);

    /// <summary>Marks the answers in now as those of the pass over the parked requests about to start; answers
    /// that come in during the pass stay new (<see cref="HasAnswers"/>) for the next one.</summary>
    void SnapshotAnswers();

    /// <summary>Drops the fetches answered at the last <see cref="SnapshotAnswers"/>, and the writes whose answer
    /// was taken; call once every parked request has run again since that snapshot.</summary>
    void ForgetAnswers();

    /// <summary>How long a request may stay parked for a fetch before the fetch counts as failed.</summary>
    TimeSpan FetchTimeout { get; }

    /// <summary>
    /// A read-modify-write that does not hold up the worker; the request that asks for it is parked and runs
    /// again (from the start of its route) until the answer is in. <paramref name="request"/> names the request
    /// (e.g. Call-ID and CSeq), so that each run of it finds its own write. Each call goes one step: no
    /// write yet → the record is fetched (<see cref="UpdateStatus.Pending"/>); the record at hand → the
    /// updater runs on it and the conditional write is sent (<see cref="UpdateStatus.Pending"/>, or
    /// <see cref="UpdateStatus.Unchanged"/> when it keeps the record; the updater's state is then this run's);
    /// the write answered → <see cref="UpdateStatus.Written"/>/<see cref="UpdateStatus.Deleted"/> with
    /// <paramref name="stored"/> the record stored and <paramref name="note"/> the updater's
    /// <see cref="IParkedUpdater.Note"/> of the run that took effect; lost to another writer → the updater runs
    /// again on the record as it now is and the write is sent again (<see cref="UpdateStatus.Pending"/>);
    /// failed, timed out, or (durability sync) not acknowledged by a replica → <see cref="UpdateStatus.Failed"/>.
    /// When no write can be started (all slots taken) the update runs synchronously.
    /// </summary>
    UpdateStatus UpdateOrStart<TUpdater>(ReadOnlySpan<byte> aor, scoped ReadOnlySpan<byte> request, scoped ref TUpdater updater,
        out ReadOnlySpan<byte> stored, out int note)
        where TUpdater : struct, IParkedUpdater, allows ref struct;

    /// <summary>A descriptor that becomes readable when an answer is in (the worker adds it to its poll set so that it
    /// wakes then), or -1 when the session has none (the worker then looks on its idle polls).</summary>
    int WakeFd => -1;

    /// <summary>True while commands wait for their answer on the session's own connections (the worker keeps looking).</summary>
    bool HasOutstanding => false;

    /// <summary>End of the worker's turn: sends what the turn queued (one write) and takes in what has arrived.</summary>
    void Flush()
    {
    }
}
