namespace Hyperproxy.Transport.Streams;

/// <summary>
/// A connection's bounded queue of outgoing messages: any thread writes (workers, its reader for pongs and 400s), its
/// writer reads. A ring that starts empty, grows by doubling up to the bound and is reused, guarded by a lock held for a
/// few instructions (the channel it replaces took one too). It is small on purpose: an idle connection that has
/// written holds a 4-entry array and this object, about 150 bytes, where a bounded channel held about a kilobyte.
/// </summary>
internal sealed class OutboundQueue(int limit)
{
    private const int InitialSize = 4;

    private readonly object _gate = new();
    private OutboundChunk[]? _items;
    private int _head;
    private int _count;
    private bool _completed;

    /// <summary>The bound on queued messages.</summary>
    public int Limit { get; } = limit;

    /// <summary>Queues <paramref name="chunk"/>; what happened (full or completed: the caller keeps the buffer).</summary>
    public OutboundWrite TryWrite(in OutboundChunk chunk)
    {
        lock (_gate)
        {
            if (_completed)
                return OutboundWrite.Completed;
            if (_count == Limit)
                return OutboundWrite.Full;
            OutboundChunk[] items = _items ??= new OutboundChunk[Math.Min(InitialSize, Limit)];
            if (_count == items.Length)
                items = Grow(items);
            int tail = _head + _count;
            if (tail >= items.Length)
                tail -= items.Length;
            items[tail] = chunk;
            _count++;
            return OutboundWrite.Queued;
        }
    }

    public bool TryRead(out OutboundChunk chunk)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                chunk = default;
                return false;
            }
            OutboundChunk[] items = _items!;
            chunk = items[_head];
            items[_head] = default;
            _head = _head + 1 == items.Length ? 0 : _head + 1;
            _count--;
            return true;
        }
    }

    /// <summary>True while a message waits.</summary>
    public bool HasItems
    {
        get
        {
            lock (_gate)
                return _count != 0;
        }
    }

    /// <summary>No more writes are taken; what is queued is still read.</summary>
    public void Complete()
    {
        lock (_gate)
            _completed = true;
    }

    /// <summary>Completed and every message read.</summary>
    public bool IsDone
    {
        get
        {
            lock (_gate)
                return _completed && _count == 0;
        }
    }

    private OutboundChunk[] Grow(OutboundChunk[] items)
    {
        var larger = new OutboundChunk[Math.Min(items.Length * 2, Limit)];
        for (int i = 0; i < _count; i++)
        {
            int from = _head + i;
            larger[i] = items[from >= items.Length ? from - items.Length : from];
        }
        _head = 0;
        _items = larger;
        return larger;
    }
}
