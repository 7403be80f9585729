namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// One worker's timers: a hashed wheel of <see cref="SlotCount"/> slots of <see cref="TickMs"/> each, a timer an
/// integer id linked into the slot of its deadline. A deadline beyond one turn of the wheel stays in its slot and is
/// skipped until its turn comes. Arming, cancelling and firing are O(1) and allocate nothing once the entries exist.
/// A timer's state is one 24-byte entry (deadline, links, slot, stamp: one cache line to touch, not five arrays), kept
/// in pages of <see cref="PageSize"/> entries added as ids grow, so growth neither copies nor leaves old arrays
/// behind. Single-threaded (the owning worker).
/// </summary>
public sealed class TimerWheel
{
    public const int TickMs = 4;
    public const int SlotCount = 4096;
    public const int PageSize = 1 << PageShift;
    private const int PageShift = 12;
    private const int Mask = SlotCount - 1;

    private struct Entry
    {
        public long Deadline;
        public int Next;
        public int Prev;
        public int Slot;
        public int Stamp;
    }

    private readonly int[] _heads = new int[SlotCount];
    private Entry[][] _pages = [];
    private int _capacity;
    private int[] _due = new int[256];
    private int[] _dueStamp = new int[256];
    private long _lastTick;
    private int _armed;

    public TimerWheel(long nowMs)
    {
        Array.Fill(_heads, -1);
        _lastTick = nowMs / TickMs;
    }

    /// <summary>Timers armed now.</summary>
    public int Armed => _armed;

    /// <summary>Makes room for ids 0 .. <paramref name="count"/>-1 (table growth only: a page at a time).</summary>
    public void EnsureCapacity(int count)
    {
        while (_capacity < count)
        {
            int page = _capacity >> PageShift;
            if (page == _pages.Length)
            {
                Array.Resize(ref _pages, Math.Max(16, _pages.Length * 2));
            }

            var entries = new Entry[PageSize];
            for (int i = 0; i < entries.Length; i++)
            {
                entries[i].Slot = -1;
            }

            _pages[page] = entries;
            _capacity += PageSize;
        }
    }

    private ref Entry At(int id) => ref _pages[id >> PageShift][id & (PageSize - 1)];

    public bool IsArmed(int id) => At(id).Slot >= 0;

    public long Deadline(int id) => At(id).Deadline;

    /// <summary>Arms (or re-arms) timer <paramref name="id"/> for <paramref name="deadlineMs"/>.</summary>
    public void Schedule(int id, long deadlineMs)
    {
        Cancel(id);
        long tick = deadlineMs / TickMs;
        if (deadlineMs % TickMs != 0)
        {
            tick++; // never early
        }

        if (tick <= _lastTick)
        {
            tick = _lastTick + 1;
        }

        int slot = (int)(tick & Mask);
        ref Entry e = ref At(id);
        e.Stamp++;
        e.Deadline = deadlineMs;
        e.Slot = slot;
        e.Prev = -1;
        int head = _heads[slot];
        e.Next = head;
        if (head >= 0)
        {
            At(head).Prev = id;
        }

        _heads[slot] = id;
        _armed++;
    }

    public void Cancel(int id)
    {
        ref Entry e = ref At(id);
        int slot = e.Slot;
        if (slot < 0)
        {
            return;
        }

        int prev = e.Prev;
        int next = e.Next;
        if (prev >= 0)
        {
            At(prev).Next = next;
        }
        else
        {
            _heads[slot] = next;
        }

        if (next >= 0)
        {
            At(next).Prev = prev;
        }

        e.Slot = -1;
        e.Stamp++;
        _armed--;
    }

    /// <summary>Milliseconds until the next tick that may hold a due timer (0 = now); int.MaxValue when none is armed.</summary>
    public int MillisecondsUntilNextTick(long nowMs)
    {
        if (_armed == 0)
        {
            return int.MaxValue;
        }

        long next = (_lastTick + 1) * TickMs;
        return next <= nowMs ? 0 : (int)(next - nowMs);
    }

    /// <summary>
    /// Collects every timer due at <paramref name="nowMs"/> (unlinked, so a callback may re-arm or cancel any
    /// timer) and hands each to <paramref name="sink"/>, in deadline-slot order.
    /// </summary>
    public int Advance<TSink>(long nowMs, ref TSink sink)
        where TSink : struct, ITimerSink
    {
        long nowTick = nowMs / TickMs;
        if (nowTick <= _lastTick)
        {
            return 0;
        }

        int count = 0;
        long from = _lastTick + 1;
        if (nowTick - from >= SlotCount)
        {
            from = nowTick - SlotCount + 1; // a long pause: every slot once
        }

        for (long tick = from; tick <= nowTick; tick++)
        {
            int id = _heads[(int)(tick & Mask)];
            while (id >= 0)
            {
                ref Entry e = ref At(id);
                int next = e.Next;
                if (e.Deadline <= nowMs)
                {
                    Cancel(id);
                    if (count == _due.Length)
                    {
                        Array.Resize(ref _due, count * 2); // grows to the peak once
                        Array.Resize(ref _dueStamp, count * 2);
                    }

                    _dueStamp[count] = e.Stamp;
                    _due[count++] = id;
                }

                id = next;
            }
        }

        _lastTick = nowTick;
        for (int i = 0; i < count; i++)
        {
            int id = _due[i];
            if (At(id).Stamp == _dueStamp[i])
            {
                sink.Fire(id); // not re-armed or cancelled by an earlier callback of this sweep
            }
        }

        return count;
    }
}

/// <summary>What a due timer calls (a struct, so the call is not dispatched through an interface per timer).</summary>
public interface ITimerSink
{
    void Fire(int id);
}
