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

    /// <summary>True when at least one fetch has completed, failed or timed out.</summary>
    bool HasAnswers { get; }

    /// <summary>Fails the fetches started before <paramref name="stopwatchTimestamp"/> that have not completed.</summary>
    void FailFetchesStartedBefore(long stopwatchTimestamp);

    /// <summary>Drops every completed, failed or timed-out fetch (call after the parked requests have run again).</summary>
    void ForgetAnswers();

    /// <summary>How long a request may stay parked for a fetch before the fetch counts as failed.</summary>
    TimeSpan FetchTimeout { get; }
}
