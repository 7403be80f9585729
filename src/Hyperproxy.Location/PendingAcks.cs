namespace Hyperproxy.Location;

/// <summary>
/// A worker's replies held back until their write is durable (the 200 OK of a REGISTER in
/// <see cref="Durability.Sync"/>). The worker parks the reply bytes with the write's ticket and some
/// metadata (destination address, socket...), and at the end of every turn calls <see cref="Release"/>,
/// which commits the tickets (one WAL write + fdatasync for the whole turn) and hands over, in parking
/// order, every reply whose ticket is committed. Single-threaded (one per worker); fixed capacity chosen
/// up front; allocation-free. How long replies waited is kept in <see cref="WaitLatency"/>.
/// </summary>
public sealed class PendingAcks<TMeta> where TMeta : unmanaged
{
    private readonly byte[] _bytes;
    private readonly Slot[] _slots;
    private int _head;
    private int _count;
    private int _byteHead;
    private int _byteTail;
    private bool _wrapped;
    private long _batch;

    private struct Slot
    {
        public CommitTicket Ticket;
        public int Offset;
        public int Length;
        public long ParkedAt;
        public long Batch;
        public long HeldBackIn; // pipelined: the turn in which it was first committed but not taken; -1 none
        public TMeta Meta;
    }

    /// <param name="stats">Where wait times and deferred releases are counted (an object the server sums
    /// over its workers); a new one when null.</param>
    public PendingAcks(int maxReplies, int maxBytes, DurableReplyStats? stats = null)
    {
        Stats = stats ?? new DurableReplyStats();
        ArgumentOutOfRangeException.ThrowIfLessThan(maxReplies, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _slots = new Slot[maxReplies];
        _bytes = GC.AllocateUninitializedArray<byte>(maxBytes, pinned: true);
    }

    /// <summary>Replies parked and not yet released.</summary>
    public int Count => _count;

    /// <summary>Time from parking to release of every reply released so far, and how many were deferred.</summary>
    public DurableReplyStats Stats { get; }

    /// <summary>Time from parking to release of every reply released so far.</summary>
    public LatencyHistogram WaitLatency => Stats.Wait;

    /// <summary>
    /// Pipelined commits (<see cref="ICommitQueue"/>): a reply normally leaves in a later turn than the one that
    /// parked it (its sync ran meanwhile), so it counts as deferred only when it was committed and held back
    /// (a full outgoing batch) past the turn in which it could have left, not for leaving after its parking turn.
    /// </summary>
    public bool Pipelined { get; set; }

    /// <summary>Parks a copy of <paramref name="reply"/>. False when full: the caller may then commit the
    /// ticket itself (<see cref="ILocationStore.Commit"/>) or drop the reply and let the UA retransmit.</summary>
    public bool TryPark(CommitTicket ticket, ReadOnlySpan<byte> reply, in TMeta meta)
    {
        if (_count == _slots.Length)
            return false;
        int offset = Reserve(reply.Length);
        if (offset < 0)
            return false;
        reply.CopyTo(_bytes.AsSpan(offset));
        ref Slot slot = ref _slots[(_head + _count) % _slots.Length];
        slot.Ticket = ticket;
        slot.Offset = offset;
        slot.Length = reply.Length;
        slot.Meta = meta;
        slot.ParkedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        slot.Batch = _batch;
        slot.HeldBackIn = -1;
        _byteTail = offset + reply.Length;
        _count++;
        return true;
    }

    /// <summary>Starts a new loop turn of the worker (a receive batch or an idle poll): a reply released in
    /// a later turn than the one that parked it counts as deferred (<see cref="DurableReplyStats.Deferred"/>).</summary>
    public void NewBatch() => _batch++;

    /// <summary>Commits the parked tickets (<see cref="ILocationStore.Commit"/>: the first uncommitted one
    /// flushes its session's whole batch, the rest are then committed already) and hands the replies to
    /// <paramref name="handler"/> in parking order, stopping at the first one whose write could not be made
    /// durable or that the handler cannot take. Returns how many were released.</summary>
    public int Release<THandler>(ILocationStore store, ref THandler handler)
        where THandler : struct, IPendingAckHandler<TMeta>, allows ref struct
        => Release(store, ref handler, commit: true);

    /// <summary>As <see cref="Release{THandler}(ILocationStore, ref THandler)"/>; with <paramref name="commit"/>
    /// false only replies already committed leave (nothing is written or synced).</summary>
    public int Release<THandler>(ILocationStore store, ref THandler handler, bool commit)
        where THandler : struct, IPendingAckHandler<TMeta>, allows ref struct
    {
        int released = 0;
        int deferred = 0;
        long now = 0;
        while (_count > 0)
        {
            ref Slot slot = ref _slots[_head];
            if (!(commit ? store.Commit(slot.Ticket) : store.IsCommitted(slot.Ticket)))
                break;
            if (!handler.Release(_bytes.AsSpan(slot.Offset, slot.Length), in slot.Meta))
            {
                if (Pipelined)
                    MarkCommittedLate(store);
                break;
            }
            if (now == 0)
                now = System.Diagnostics.Stopwatch.GetTimestamp();
            Stats.Wait.RecordTicks(now - slot.ParkedAt);
            if (Pipelined ? slot.HeldBackIn >= 0 && slot.HeldBackIn != _batch : slot.Batch != _batch)
                deferred++;
            _head = (_head + 1) % _slots.Length;
            _count--;
            released++;
            if (_count == 0)
            {
                _byteHead = 0;
                _byteTail = 0;
                _wrapped = false;
            }
            else
            {
                int next = _slots[_head].Offset;
                if (next < _byteHead)
                    _wrapped = false;
                _byteHead = next;
            }
        }
        if (deferred > 0)
            Stats.AddDeferred(deferred);
        return released;
    }

    // The committed replies at the head that the handler had no room for: unless they leave in this same turn
    // (the caller sends its full batch and asks again), they left later than they could have.
    private void MarkCommittedLate(ILocationStore store)
    {
        for (int i = 0; i < _count; i++)
        {
            ref Slot slot = ref _slots[(_head + i) % _slots.Length];
            if (!store.IsCommitted(slot.Ticket))
                break;
            if (slot.HeldBackIn < 0)
                slot.HeldBackIn = _batch;
        }
    }

    // Contiguous space in a ring of bytes: after the newest reply, or from 0 when the end is too short
    // and the oldest reply starts far enough in.
    private int Reserve(int length)
    {
        if (length > _bytes.Length)
            return -1;
        if (_count == 0)
            return 0;
        if (_wrapped)
            return _byteHead - _byteTail >= length ? _byteTail : -1;
        if (_bytes.Length - _byteTail >= length)
            return _byteTail;
        if (_byteHead < length)
            return -1;
        _wrapped = true;
        return 0;
    }
}
