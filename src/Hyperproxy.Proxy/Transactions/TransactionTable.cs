namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// One worker's transactions: slots reused through a free list (a slot's <see cref="Transaction.Generation"/> grows
/// on reuse), a hash index from the matching key to the slot, and the timers of every slot and branch in one
/// <see cref="TimerWheel"/>: timer ids are handed out in pairs (a slot's two upstream timers, then each branch's two
/// when the slot first uses that branch), and <see cref="TimerOwner"/> maps a pair back to its slot and branch.
/// Bounded by <see cref="Capacity"/>: when full, <see cref="TryAdd"/> fails and the caller applies the table's
/// policy (503 or drop) and counts it. Slots and branches are created as the table grows (warm-up) and kept.
/// The hash index lives in its own compact array (<see cref="IndexEntry"/>: key, chain link and live generation per
/// slot, 16 bytes): a lookup walks 16-byte entries, not the transaction objects, which at a busy worker's size
/// (rate × 2 × wt_timer of them, spread over a heap of hundreds of MB) cost a cache and TLB miss each.
/// Single-threaded (the owning worker), except <see cref="MayHoldInvite"/>, which another worker may call.
/// </summary>
public sealed class TransactionTable
{
    private struct IndexEntry
    {
        /// <summary>The matching key of the transaction in the slot.</summary>
        public ulong Key;

        /// <summary>Next slot in the same hash bucket, -1 at the end.</summary>
        public int Next;

        /// <summary>The slot's generation while it is in use, 0 while free.</summary>
        public int Live;
    }

    private Transaction[] _slots = [];
    private IndexEntry[] _index = [];
    private int[] _free = [];
    private int _freeCount;
    private int[] _buckets;
    private readonly int _bucketMask;

    /// <summary>Per timer pair (id / 2): slot index × 16 + 0 for the slot's own timers, or 1 + the branch index; in pages, as the wheel's entries.</summary>
    private int[][] _timerOwners = [];
    private int _timerPairs;

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
        ref IndexEntry entry = ref _index[t.Index];
        entry.Key = key;
        entry.Next = _buckets[bucket];
        entry.Live = t.Generation;
        _buckets[bucket] = t.Index;
        Count++;
        return t;
    }

    /// <summary>The transaction indexed under <paramref name="key"/>, or null.</summary>
    public Transaction? Find(ulong key)
    {
        IndexEntry[] index = _index;
        int i = _buckets[(int)(key & (ulong)_bucketMask)];
        while ((uint)i < (uint)index.Length)
        {
            ref IndexEntry entry = ref index[i];
            if (entry.Key == key)
            {
                return _slots[i];
            }

            i = entry.Next;
        }

        return null;
    }

    /// <summary>Whether slot <paramref name="index"/> is in use with <paramref name="generation"/> (a read of the compact index only).</summary>
    public bool IsLive(int index, int generation) =>
        (uint)index < (uint)_created && generation != 0 && _index[index].Live == generation;

    /// <summary>Frees a transaction: out of the index, its timers cancelled, its slot back on the free list.</summary>
    public void Remove(Transaction t)
    {
        if (!t.InUse)
        {
            return;
        }

        IndexEntry[] index = _index;
        ref IndexEntry own = ref index[t.Index];
        int bucket = (int)(own.Key & (ulong)_bucketMask);
        int i = _buckets[bucket];
        int prev = -1;
        while (i >= 0 && i != t.Index)
        {
            prev = i;
            i = index[i].Next;
        }

        if (i >= 0)
        {
            if (prev < 0)
            {
                _buckets[bucket] = own.Next;
            }
            else
            {
                index[prev].Next = own.Next;
            }
        }

        own.Next = -1;
        own.Live = 0;

        Timers.Cancel(t.UasRetransmitTimer);
        Timers.Cancel(t.UasWaitTimer);
        for (int b = 0; b < t.BranchesCreated; b++)
        {
            Timers.Cancel(t.BranchRetransmitTimer(b));
            Timers.Cancel(t.BranchFinalTimer(b));
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

    /// <summary>The slot and branch (-1: the slot's own timers) of timer <paramref name="id"/>.</summary>
    public Transaction TimerOwner(int id, out int branch)
    {
        int pair = id >> 1;
        int owner = _timerOwners[pair / TimerWheel.PageSize][pair % TimerWheel.PageSize];
        branch = (owner & 0xF) - 1;
        return _slots[owner >> 4];
    }

    /// <summary>Branch <paramref name="b"/> of <paramref name="t"/>, created (with its two timers) the first time the slot uses it.</summary>
    public ClientBranch EnsureBranch(Transaction t, int b)
    {
        while (t.BranchesCreated <= b)
        {
            if (t.BranchesCreated == t.Branches.Length)
            {
                Array.Resize(ref t.Branches, Math.Min(Transaction.MaxBranches, t.Branches.Length * 2));
            }

            t.Branches[t.BranchesCreated] = new ClientBranch(NewTimerPair((t.Index << 4) | (t.BranchesCreated + 1)));
            t.BranchesCreated++;
        }

        return t.Branches[b];
    }

    /// <summary>
    /// From another worker (a CANCEL or ACK that arrived there): whether this table seems to hold a transaction under
    /// <paramref name="key"/>. Reads only, without synchronisation: the answer is a hint (the owner matches again), a
    /// chain that changes under the reader is cut after a bounded walk.
    /// </summary>
    public bool MayHoldInvite(ulong key)
    {
        int i = Volatile.Read(ref _buckets[(int)(key & (ulong)_bucketMask)]);
        IndexEntry[] index = Volatile.Read(ref _index);
        for (int steps = 0; steps < 64 && (uint)i < (uint)index.Length; steps++)
        {
            IndexEntry entry = index[i]; // a copy: the owner may change it meanwhile (a hint only)
            if (entry.Key == key)
            {
                return entry.Live != 0;
            }

            i = entry.Next;
        }

        return false;
    }

    private int NewTimerPair(int owner)
    {
        int page = _timerPairs / TimerWheel.PageSize;
        if (page == _timerOwners.Length)
        {
            Array.Resize(ref _timerOwners, Math.Max(16, _timerOwners.Length * 2));
        }

        _timerOwners[page] ??= new int[TimerWheel.PageSize];
        _timerOwners[page][_timerPairs % TimerWheel.PageSize] = owner;
        Timers.EnsureCapacity((_timerPairs + 1) * 2);
        return 2 * _timerPairs++;
    }

    private Transaction Grow()
    {
        if (_created == _slots.Length)
        {
            int size = Math.Min(Capacity, Math.Max(64, _slots.Length * 2));
            Array.Resize(ref _slots, size);
            IndexEntry[] index = new IndexEntry[size];
            _index.AsSpan().CopyTo(index);
            index.AsSpan(_index.Length).Fill(new IndexEntry { Next = -1 });
            Volatile.Write(ref _index, index);
        }

        var t = new Transaction(_created, NewTimerPair(_created << 4));
        _slots[_created++] = t;
        return t;
    }
}
