namespace Hyperproxy.Transport.Streams;

/// <summary>
/// A connection's bounded queue of outgoing messages, without a lock: any thread writes (workers, its reader for pongs
/// and 400s), its writer reads (and <see cref="StreamConnection.Close"/> may read what is left at the same time).
/// </summary>
/// <remarks>
/// A chain of rings (<see cref="Segment"/>, each a bounded array queue with a sequence number per cell, in the manner of
/// Vyukov's) that starts empty, takes a 4-entry ring on the first write and, when a ring is full, links one twice as
/// large (up to <see cref="Limit"/> rounded up to a power of two) for the writes that follow. The reader finishes a ring
/// before it moves to the next one and drops the old one, so after a burst the largest ring is the only one and is
/// reused: no allocation in steady state. A ring that is left behind is frozen first (its tail moved out of reach), so a
/// writer that still looked at it finds it full and goes to the next one: nothing written is lost, and the messages of
/// one writer come out in the order it wrote them.
///
/// The bound is a count next to the rings, taken by compare-and-swap before a write and given back after a read: a
/// write is refused Full exactly when <see cref="Limit"/> messages are queued (a refused write leaves no trace, so
/// writers racing at the bound never make each other fail). <see cref="Complete"/> sets a bit in the same count, so a
/// write either is counted before the completion (and will be read) or sees it and is refused.
///
/// Memory: an idle connection that has written holds this object and its 4-entry ring, about 180 bytes.
/// </remarks>
internal sealed class OutboundQueue
{
    private const int InitialSize = 4;
    private const int CompletedBit = 1 << 30;

    private readonly int _maxRing;
    private Segment? _head;
    private Segment? _tail;
    private int _count;

    public OutboundQueue(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(limit, CompletedBit);
        Limit = limit;
        _maxRing = (int)Math.Max(InitialSize, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)limit));
    }

    /// <summary>The bound on queued messages.</summary>
    public int Limit { get; }

    /// <summary>True while a message waits (or is being written into the queue).</summary>
    public bool HasItems => (Volatile.Read(ref _count) & ~CompletedBit) != 0;

    /// <summary>Completed and every message read.</summary>
    public bool IsDone => Volatile.Read(ref _count) == CompletedBit;

    /// <summary>Queues <paramref name="chunk"/>; what happened (full or completed: the caller keeps the buffer).</summary>
    public OutboundWrite TryWrite(in OutboundChunk chunk)
    {
        int count = Volatile.Read(ref _count);
        while (true)
        {
            if ((count & CompletedBit) != 0)
                return OutboundWrite.Completed;
            if (count >= Limit)
                return OutboundWrite.Full;
            int seen = Interlocked.CompareExchange(ref _count, count + 1, count);
            if (seen == count)
                break;
            count = seen;
        }

        // Counted: there is room for it in the rings (the last ring alone holds Limit), so this ends.
        while (true)
        {
            Segment tail = Volatile.Read(ref _tail) ?? First();
            if (tail.TryEnqueue(chunk))
                return OutboundWrite.Queued;
            Segment next = Volatile.Read(ref tail.Next) ?? Link(tail);
            Interlocked.CompareExchange(ref _tail, next, tail);
        }
    }

    /// <summary>Takes the oldest message; false when none is ready (safe from more than one reader).</summary>
    public bool TryRead(out OutboundChunk chunk)
    {
        Segment? head = Volatile.Read(ref _head);
        while (head is not null)
        {
            if (head.TryDequeue(out chunk))
            {
                Interlocked.Decrement(ref _count);
                return true;
            }
            Segment? next = Volatile.Read(ref head.Next);
            if (next is null || !head.IsFrozenAndEmpty)
                break; // empty, or a write into this ring is not finished yet (HasItems says so)
            Interlocked.CompareExchange(ref _head, next, head);
            head = Volatile.Read(ref _head);
        }
        chunk = default;
        return false;
    }

    /// <summary>No more writes are taken; what is queued is still read.</summary>
    public void Complete() => Interlocked.Or(ref _count, CompletedBit);

    /// <summary>The first ring, made by the first write (racing first writers agree on one).</summary>
    private Segment First()
    {
        Interlocked.CompareExchange(ref _head, new Segment(Math.Min(InitialSize, _maxRing)), null);
        Interlocked.CompareExchange(ref _tail, Volatile.Read(ref _head), null);
        return Volatile.Read(ref _tail)!;
    }

    /// <summary>Links the ring after a full <paramref name="full"/> (once, whoever wins) and freezes <paramref name="full"/>.</summary>
    private Segment Link(Segment full)
    {
        var larger = new Segment(Math.Min(full.Capacity * 2, _maxRing));
        Segment? linked = Interlocked.CompareExchange(ref full.Next, larger, null);
        if (linked is not null)
            return linked;
        full.Freeze();
        return larger;
    }

    /// <summary>One ring: a bounded queue of cells whose sequence numbers say whose turn each is (any number of writers and readers).</summary>
    private sealed class Segment
    {
        private readonly Cell[] _cells;
        private readonly int _mask;
        private int _enqueue;
        private int _dequeue;
        private int _frozen;

        /// <summary>The ring that takes the writes once this one is full.</summary>
        public Segment? Next;

        public Segment(int capacity)
        {
            _cells = new Cell[capacity];
            _mask = capacity - 1;
            for (int i = 0; i < capacity; i++)
                _cells[i].Sequence = i;
        }

        public int Capacity => _cells.Length;

        /// <summary>Frozen by <see cref="Freeze"/>, and every write that got in before it has been read.</summary>
        public bool IsFrozenAndEmpty =>
            Volatile.Read(ref _frozen) != 0 && Volatile.Read(ref _dequeue) == Volatile.Read(ref _enqueue) - FreezeOffset;

        /// <summary>Added to the enqueue position when frozen: every later write finds its cell taken (full).</summary>
        private int FreezeOffset => _cells.Length * 2;

        public bool TryEnqueue(in OutboundChunk chunk)
        {
            int position = Volatile.Read(ref _enqueue);
            while (true)
            {
                ref Cell cell = ref _cells[position & _mask];
                int turn = Volatile.Read(ref cell.Sequence) - position;
                if (turn == 0)
                {
                    int seen = Interlocked.CompareExchange(ref _enqueue, position + 1, position);
                    if (seen == position)
                    {
                        cell.Chunk = chunk;
                        Volatile.Write(ref cell.Sequence, position + 1);
                        return true;
                    }
                    position = seen;
                }
                else if (turn < 0)
                {
                    return false; // full (or frozen)
                }
                else
                {
                    position = Volatile.Read(ref _enqueue); // another writer took this cell
                }
            }
        }

        public bool TryDequeue(out OutboundChunk chunk)
        {
            int position = Volatile.Read(ref _dequeue);
            while (true)
            {
                ref Cell cell = ref _cells[position & _mask];
                int turn = Volatile.Read(ref cell.Sequence) - (position + 1);
                if (turn == 0)
                {
                    int seen = Interlocked.CompareExchange(ref _dequeue, position + 1, position);
                    if (seen == position)
                    {
                        chunk = cell.Chunk;
                        cell.Chunk = default;
                        Volatile.Write(ref cell.Sequence, position + _cells.Length);
                        return true;
                    }
                    position = seen;
                }
                else if (turn < 0)
                {
                    chunk = default;
                    return false; // empty, or its writer has not finished
                }
                else
                {
                    position = Volatile.Read(ref _dequeue); // another reader took it
                }
            }
        }

        /// <summary>Called once, by the writer that linked <see cref="Next"/>: the position first, then the flag readers look at.</summary>
        public void Freeze()
        {
            Interlocked.Add(ref _enqueue, FreezeOffset);
            Volatile.Write(ref _frozen, 1);
        }
    }

    private struct Cell
    {
        public OutboundChunk Chunk;
        public int Sequence;
    }
}
