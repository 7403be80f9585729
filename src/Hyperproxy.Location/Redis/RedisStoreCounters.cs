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
}
