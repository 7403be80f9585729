namespace Hyperproxy.Location;

/// <summary>
/// The usrloc table: address-of-record (normalised bytes, as the registrar produced them) to one record
/// holding all of its bindings (<see cref="Records.LocationRecord"/>). The embedded implementation is
/// <see cref="Faster.FasterLocationStore"/>; <see cref="Redis.RedisLocationStore"/> shares one table between nodes.
/// </summary>
public interface ILocationStore : IDisposable
{
    Durability Durability { get; }

    /// <summary>True when the sessions are <see cref="IFetchingSession"/>s: a worker can park a request while its
    /// record is fetched (a store across the network) instead of waiting for it.</summary>
    bool ReadsCanPark => false;

    /// <summary>A session for one worker thread.</summary>
    ILocationSession NewSession();

    /// <summary>True when the write behind <paramref name="ticket"/> is durable. Cheap (one volatile read).</summary>
    bool IsCommitted(CommitTicket ticket);

    /// <summary>
    /// Makes the write behind <paramref name="ticket"/> durable now, on the calling thread: the WAL entries
    /// it waits for are written and synced (one write and one fdatasync per session concerned). True once
    /// the ticket is committed; false when the disk failed (the write is then never acknowledged). A worker
    /// calls it once per turn (the batches it gathered) for the replies it parked: the group commit.
    /// </summary>
    bool Commit(CommitTicket ticket);

    /// <summary>A worker's pipelined commits (<see cref="ICommitQueue"/>), or null when this store has none:
    /// not in sync mode, or io_uring is not available (commits are then synchronous, <see cref="Commit"/>).</summary>
    ICommitQueue? NewCommitQueue() => null;

    /// <summary>Counters; cheap enough for a management request, not for every message.</summary>
    LocationStats GetStats();

    /// <summary>What start-up recovery loaded.</summary>
    RecoveryReport Recovery { get; }
}
