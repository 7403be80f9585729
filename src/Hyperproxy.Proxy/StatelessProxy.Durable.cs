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
/// </summary>
public sealed partial class StatelessProxy
{
    private const int MaxParkedReplies = 1024;

    private readonly ILocationStore? _store;
    private readonly DurableReplyStats[]? _replyStats;
    private readonly PendingAcks<ParkedReply>? _pendingReplies;

    /// <summary>Replies parked and not yet released (tests, counters).</summary>
    public int ParkedReplies => _pendingReplies?.Count ?? 0;

    public bool HasPendingWork => _pendingReplies is { Count: > 0 } || _parked is { Count: > 0 };

    public int SocketCount => _identity.SocketCount;

    public bool HasUncommitted => _pendingReplies is { Count: > 0 };

    /// <summary>
    /// The end of a worker's turn: commits what the turn parked (the first uncommitted ticket syncs its
    /// session's WAL, one pwrite + fdatasync for the whole turn) and releases the replies into
    /// <paramref name="outgoing"/>; true when more are ready than fitted.
    /// </summary>
    public bool Commit(DatagramBatch outgoing)
    {
        ReleaseCommitted(outgoing, outgoing.Capacity, commit: true);
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
        ReleaseCommitted(outgoing, outgoing.Capacity, commit: true);
        ResumeParked(outgoing, outgoing.Capacity);
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
