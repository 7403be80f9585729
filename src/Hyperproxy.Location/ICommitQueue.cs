namespace Hyperproxy.Location;

/// <summary>
/// Pipelined commits for one worker (durability sync, Linux io_uring): <see cref="Start"/> writes the WAL
/// entries the worker's parked replies wait for and submits their <c>fdatasync</c> without waiting for it; the
/// worker goes on receiving and handling the next requests, and <see cref="Complete"/> — called when
/// <see cref="WaitFd"/> becomes readable, which the worker polls next to its sockets — moves what
/// <see cref="ILocationStore.IsCommitted"/> answers over the syncs that finished, in submission order, and
/// starts the next. Up to two syncs per WAL writer are in flight. Use it from the owning worker's thread
/// only; nothing on it allocates.
/// </summary>
public interface ICommitQueue : IDisposable
{
    /// <summary>Readable (<c>POLLIN</c>) while finished syncs wait for <see cref="Complete"/>.</summary>
    int WaitFd { get; }

    /// <summary>Syncs submitted and not yet handled by <see cref="Complete"/>.</summary>
    int InFlight { get; }

    /// <summary>True when a writer this queue serves holds entries that no sync has been started for.</summary>
    bool HasUnstarted { get; }

    /// <summary>Notes the writer a parked reply's <paramref name="ticket"/> waits for (nothing for a store-wide
    /// ticket: the other writers' owners start their own syncs).</summary>
    void Track(CommitTicket ticket);

    /// <summary>Starts a sync for every writer served that holds unstarted entries and has room in its
    /// pipeline. False when a writer is broken (a disk error: its entries are never committed).</summary>
    bool Start();

    /// <summary>Handles the finished syncs and starts the next ones; returns how many finished.</summary>
    int Complete();
}
