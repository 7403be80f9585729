namespace Hyperproxy.Location.Redis;

/// <summary>
/// The store's counters, shared by the sessions and bumped with <see cref="Interlocked"/>: one atomic add
/// per store operation is noise beside the network round trip the operation makes.
/// </summary>
internal sealed class RedisStoreCounters
{
    public long Operations;
    public long Failures;
    public long Conflicts;
    public long Disconnects;
    public long Reconnects;

    /// <summary>Round trips: commands sent while none of the same session was waiting for its answer
    /// (a pipelined flight counts once; a synchronous call counts once each).</summary>
    public long RoundTrips;

    /// <summary>Writes stored but not acknowledged by a replica within the WAIT timeout (durability sync).</summary>
    public long NotReplicated;

    /// <summary>Saves sent as the compare-and-set alone, from the record the session last wrote (no GET first).</summary>
    public long KnownSaves;

    /// <summary>Of those, the ones that found the AoR changed since (by another node or worker, or expired) and ran again.</summary>
    public long KnownStale;
}
