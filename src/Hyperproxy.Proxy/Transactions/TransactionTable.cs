namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// One worker's transactions: slots reused through a free list (a slot's <see cref="Transaction.Generation"/> grows
/// on reuse), a hash index from the matching key to the slot, and the timer ids of every slot in one
/// <see cref="TimerWheel"/>. Bounded by <see cref="Capacity"/>: when full, <see cref="TryAdd"/> fails and the caller
/// applies the table's policy (503 or drop) and counts it. Slots are created as the table grows (warm-up) and kept.
/// Single-threaded (the owning worker).
/// </summary>
public sealed class TransactionTable
{
    private Transaction[] _slots = [];
    private int[] _free = [];
    private int _freeCount;
    private int[] _buckets;
    private readonly int _bucketMask;

    public TransactionTable(int capacity, long nowMs)
    {
        Capacity = capacity;
        int buckets = 1024;
        while (buckets < capacity)
        {
            buckets <<= 1;
        }

        _buckets = new int[buckets];
        _bucketMask = buckets - 1;
        Array.Fill(_buckets, -1);
        Timers = new TimerWheel(nowMs);
    }

    public int Capacity { get; }

    /// <summary>Transactions in use.</summary>
    public int Count { get; private set; }

    /// <summary>Slots created so far (the table's high-water mark).</summary>
    public int Created => _created;

    private int _created;

    public TimerWheel Timers { get; }

    public Transaction this[int index] => _slots[index];

    /// <summary>The transaction at <paramref name="index"/> when it is in use with that generation.</summary>
    public Transaction? Get(int index, int generation)
    {
        if ((uint)index >= (uint)_created)
        {
            return null;
        }

        Transaction t = _slots[index];
        return t.InUse && (t.Generation & 0xFFFFFF) == generation ? t : null;
    }

    /// <summary>Takes a free slot and indexes it under <paramref name="key"/>; null when the table is full.</summary>
    public Transaction? TryAdd(ulong key)
    {
        Transaction t;
        if (_freeCount > 0)
        {
            t = _slots[_free[--_freeCount]];
        }
        else if (_created < Capacity)
        {
            t = Grow();
        }
        else
        {
            return null;
        }

        t.Reset();
        t.InUse = true;
        t.Generation++;
        t.Key = key;
        int bucket = (int)(key & (ulong)_bucketMask);
        t.NextInBucket = _buckets[bucket];
        _buckets[bucket] = t.Index;
        Count++;
        return t;
    }

    /// <summary>The transaction indexed under <paramref name="key"/>, or null.</summary>
    public Transaction? Find(ulong key)
    {
        int i = _buckets[(int)(key & (ulong)_bucketMask)];
        while (i >= 0)
        {
            Transaction t = _slots[i];
            if (t.Key == key)
            {
                return t;
            }

            i = t.NextInBucket;
        }

        return null;
    }

    /// <summary>Frees a transaction: out of the index, its timers cancelled, its slot back on the free list.</summary>
    public void Remove(Transaction t)
    {
        if (!t.InUse)
        {
            return;
        }

        int bucket = (int)(t.Key & (ulong)_bucketMask);
        int i = _buckets[bucket];
        int prev = -1;
        while (i >= 0 && i != t.Index)
        {
            prev = i;
            i = _slots[i].NextInBucket;
        }

        if (i >= 0)
        {
            if (prev < 0)
            {
                _buckets[bucket] = t.NextInBucket;
            }
            else
            {
                _slots[prev].NextInBucket = t.NextInBucket;
            }
        }

        int baseId = t.Index * Transaction.TimersPer;
        for (int k = 0; k < Transaction.TimersPer; k++)
        {
            Timers.Cancel(baseId + k);
        }

        t.InUse = false;
        t.OnFailure = null;
        t.OnReply = null;
        t.OnBranch = null;
        if (_freeCount == _free.Length)
        {
            Array.Resize(ref _free, Math.Max(64, _free.Length * 2));
        }

        _free[_freeCount++] = t.Index;
        Count--;
    }

    private Transaction Grow()
    {
        if (_created == _slots.Length)
        {
            int size = Math.Min(Capacity, Math.Max(64, _slots.Length * 2));
            Array.Resize(ref _slots, size);
            Timers.EnsureCapacity(size * Transaction.TimersPer);
        }

        var t = new Transaction(_created);
        _slots[_created++] = t;
        return t;
    }
}
