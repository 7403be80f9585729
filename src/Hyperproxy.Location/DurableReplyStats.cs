namespace Hyperproxy.Location;

/// <summary>
/// One worker's figures on the replies it held for durability (<see cref="PendingAcks{TMeta}"/>): how long
/// each waited from parking to release, and how many missed the release pass right after their batch
/// (<see cref="Deferred"/>: they went out with a later batch or idle poll — a full outgoing batch, a commit
/// that failed, or a ticket waiting on another worker's entries). Written by the worker, read by anyone.
/// </summary>
public sealed class DurableReplyStats
{
    private long _deferred;

    public LatencyHistogram Wait { get; } = new();

    public long Deferred => Volatile.Read(ref _deferred);

    internal void AddDeferred(long count) => Volatile.Write(ref _deferred, _deferred + count);
}
