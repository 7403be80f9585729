using Hyperproxy.Location;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// Replies held until a location-store write is durable (durability sync): the REGISTER's 200 OK is
/// written as usual but parked in the worker's <see cref="PendingAcks{TMeta}"/> with the write's ticket.
/// At the end of the batch the worker commits the parked tickets itself — one WAL write and one fdatasync
/// for the whole batch, on the worker's thread, no hand-off to another thread — and sends the replies in
/// the same outgoing batch. Replies that waited on another session's entry go at the next batch or on the
/// worker's short idle polls (<see cref="IIdleHandler"/>).
/// </summary>
public sealed partial class StatelessProxy
{
    private const int MaxParkedReplies = 1024;

    private readonly ILocationStore? _store;
    private readonly DurableReplyStats[]? _replyStats;
    private readonly PendingAcks<ParkedReply>? _pendingReplies;

    /// <summary>Replies parked and not yet released (tests, counters).</summary>
    public int ParkedReplies => _pendingReplies?.Count ?? 0;

    /// <summary>How long this worker's durable replies waited for their commit (null without durability sync).</summary>
    public DurableReplyStats? ParkedReplyStats => _pendingReplies?.Stats;

    public bool HasPendingWork => _pendingReplies is { Count: > 0 };

    public int SocketCount => _identity.SocketCount;

    public void OnIdle(DatagramBatch outgoing)
    {
        _pendingReplies?.NewBatch();
        ReleaseCommitted(outgoing, outgoing.Capacity);
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
        var meta = new ParkedReply(info.Peer, info.SocketIndex);
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
    private void ReleaseCommitted(DatagramBatch outgoing, int limit)
    {
        if (_pendingReplies is null || _pendingReplies.Count == 0)
        {
            return;
        }

        var sender = new ReplySender(outgoing, Math.Min(limit, outgoing.Capacity));
        _pendingReplies.Release(_store!, ref sender);
    }

    /// <summary>Where a parked reply goes.</summary>
    private readonly record struct ParkedReply(NetAddress Peer, int Socket);

    private readonly struct ReplySender(DatagramBatch outgoing, int limit) : IPendingAckHandler<ParkedReply>
    {
        public bool Release(ReadOnlySpan<byte> reply, in ParkedReply meta) =>
            outgoing.Count < limit && outgoing.TryAdd(reply, meta.Peer, meta.Socket);
    }
}
