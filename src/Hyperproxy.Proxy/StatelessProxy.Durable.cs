using Hyperproxy.Location;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// Replies held until a location-store write is durable (durability sync): the REGISTER's 200 OK is
/// written as usual but parked in the worker's <see cref="PendingAcks{TMeta}"/> with the write's ticket.
/// When the worker has gathered what else is arriving (<see cref="ICommitHandler"/>) it calls
/// <see cref="Commit"/>: one WAL write and one fdatasync for the whole turn, on the worker's thread, no
/// hand-off to another thread, and the replies go out with the turn's sendmmsg. Replies that waited on
/// another session's entry go at a later turn or on the worker's short idle polls (<see cref="IIdleHandler"/>).
/// <para>
/// Pipelined (<see cref="EnablePipelinedCommits"/>, where the store offers an <see cref="ICommitQueue"/>): the
/// commit only starts the sync (io_uring) and the worker goes on with the next requests; the replies leave in
/// <see cref="CompleteCommits"/>, the moment the worker's poll sees their sync finish, in parking order.
/// </para>
/// </summary>
public sealed partial class StatelessProxy
{
    private const int MaxParkedReplies = 1024;

    private readonly ILocationStore? _store;
    private readonly DurableReplyStats[]? _replyStats;
    private readonly PendingAcks<ParkedReply>? _pendingReplies;
    private ICommitQueue? _commitQueue;

    /// <summary>Replies parked and not yet released (tests, counters).</summary>
    public int ParkedReplies => _pendingReplies?.Count ?? 0;

    public bool HasPendingWork => _pendingReplies is { Count: > 0 } || _parked is { Count: > 0 } || _parkingSource is { HasOutstanding: true };

    public int SocketCount => _identity.SocketCount;

    public bool HasUncommitted => _pendingReplies is { Count: > 0 } && (_commitQueue is null || _commitQueue.HasUnstarted);

    /// <summary>True when this worker's commits are pipelined (<see cref="EnablePipelinedCommits"/>).</summary>
    public bool PipelinedCommits => _commitQueue is not null;

    public bool CommitsInFlight => _commitQueue is { InFlight: > 0 };

    public bool EnablePipelinedCommits(IBatchIo io)
    {
        if (_pendingReplies is null || _commitQueue is not null)
        {
            return false;
        }

        ICommitQueue? queue = _store!.NewCommitQueue();
        if (queue is null)
        {
            return false;
        }

        if (!io.TryWatch(queue.WaitFd))
        {
            queue.Dispose();
            return false;
        }

        _commitQueue = queue;
        _pendingReplies.Pipelined = true;
        return true;
    }

    public bool CompleteCommits(DatagramBatch outgoing)
    {
        if (_commitQueue is null)
        {
            return false;
        }

        _commitQueue.Complete();
        ReleaseCommitted(outgoing, outgoing.Capacity, commit: false);
        // The turn ends in Commit or OnIdle (NewBatch there): a reply held back now and sent later in the same
        // turn was not deferred.
        return _pendingReplies!.Count > 0 && outgoing.Count >= outgoing.Capacity;
    }

    /// <summary>
    /// The end of a worker's turn: commits what the turn parked (the first uncommitted ticket syncs its
    /// session's WAL, one pwrite + fdatasync for the whole turn) and releases the replies into
    /// <paramref name="outgoing"/>; true when more are ready than fitted.
    /// </summary>
    public bool Commit(DatagramBatch outgoing)
    {
        if (_commitQueue is not null)
        {
            // Start the sync (at most two per writer in flight; the next completion starts the rest) and send
            // what earlier syncs made durable; the replies of this one leave in CompleteCommits.
            _commitQueue.Complete();
            _commitQueue.Start();
            ReleaseCommitted(outgoing, outgoing.Capacity, commit: false);
        }
        else
        {
            ReleaseCommitted(outgoing, outgoing.Capacity, commit: true);
        }

        if (_pendingReplies is null || _pendingReplies.Count == 0 || outgoing.Count < outgoing.Capacity)
        {
            // Released all, or a ticket could not be committed (it stays parked: a later turn or idle poll).
            _pendingReplies?.NewBatch();
            return false;
        }

        return true;
    }

    public void OnIdle(DatagramBatch outgoing)
    {
        if (_commitQueue is not null)
        {
            _commitQueue.Complete();
            _commitQueue.Start();
            // A reply whose ticket none of this worker's syncs covers (another session's entry) is committed
            // synchronously once this worker has nothing of its own in flight.
            bool own = _commitQueue.InFlight > 0 || _commitQueue.HasUnstarted;
            ReleaseCommitted(outgoing, outgoing.Capacity, commit: !own);
        }
        else
        {
            ReleaseCommitted(outgoing, outgoing.Capacity, commit: true);
        }

        ResumeParked(outgoing, outgoing.Capacity);
        _parkingSource?.Flush();
        _pendingReplies?.NewBatch();
    }

    public int ReplyWhenDurable(ScriptContext context, int code, ReadOnlySpan<byte> reason, long commitTicket)
    {
        var ticket = new CommitTicket(commitTicket);
        if (_pendingReplies is null || ticket.IsNone || _store!.IsCommitted(ticket))
        {
            return Reply(context, code, reason);
        }

        // Write the reply into a free slot of the batch without committing it, then park a copy.
        DatagramBatch outgoing = _outgoing;
        int before = outgoing.Count;
        int sent = Reply(context, code, reason);
        if (sent <= 0 || outgoing.Count != before + 1)
        {
            return sent;
        }

        int last = outgoing.Count - 1;
        ref readonly DatagramInfo info = ref outgoing.Info(last);
        var meta = new ParkedReply(info.Peer, info.SocketIndex, info.ConnectionId);
        if (_pendingReplies.TryPark(ticket, outgoing.Payload(last), in meta))
        {
            _commitQueue?.Track(ticket);
            outgoing.RemoveLast();
            return 1;
        }

        // The parking ring is full: commit now (this session's batch so far, one write + fdatasync) rather
        // than acknowledge early; a disk that fails gets no 200 at all.
        if (!_store!.Commit(ticket))
        {
            outgoing.RemoveLast();
            return -1;
        }

        return 1;
    }

    /// <summary>
    /// Moves committed replies into <paramref name="outgoing"/> while it holds fewer than
    /// <paramref name="limit"/> datagrams; the rest stay parked, in order, for the next call.
    /// </summary>
    private void ReleaseCommitted(DatagramBatch outgoing, int limit, bool commit)
    {
        if (_pendingReplies is null || _pendingReplies.Count == 0)
        {
            return;
        }

        var sender = new ReplySender(outgoing, Math.Min(limit, outgoing.Capacity));
        _pendingReplies.Release(_store!, ref sender, commit);
    }

    /// <summary>Where a parked reply goes.</summary>
    private readonly record struct ParkedReply(NetAddress Peer, int Socket, long Connection);

    private readonly struct ReplySender(DatagramBatch outgoing, int limit) : IPendingAckHandler<ParkedReply>
    {
        public bool Release(ReadOnlySpan<byte> reply, in ParkedReply meta) =>
            outgoing.Count < limit && outgoing.TryAdd(reply, meta.Peer, meta.Socket, meta.Connection);
    }
}
