namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// One worker's timers: a hashed wheel of <see cref="SlotCount"/> slots of <see cref="TickMs"/> each, a timer an
/// integer id (transaction × timer kind) linked into the slot of its deadline. A deadline beyond one turn of the
/// wheel stays in its slot and is skipped until its turn comes. Arming, cancelling and firing are O(1) and
/// allocate nothing once the id arrays have grown to the table's size. Single-threaded (the owning worker).
/// </summary>
public sealed class TimerWheel
{
    public const int TickMs = 4;
    public const int SlotCount = 4096;
    private const int Mask = SlotCount - 1;

    private readonly int[] _heads = new int[SlotCount];
    private long[] _deadline = [];
    private int[] _next = [];
    private int[] _prev = [];
    private int[] _slot = [];
    private int[] _stamp = [];
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

    /// <summary>Makes room for ids 0 .. <paramref name="count"/>-1 (table growth only: the arrays grow by half again, so growth is amortised).</summary>
    public void EnsureCapacity(int count)
    {
        if (count <= _slot.Length)
        {
            return;
        }

        count = Math.Max(count, Math.Max(256, _slot.Length + (_slot.Length >> 1)));

        int old = _slot.Length;
        Array.Resize(ref _deadline, count);
        Array.Resize(ref _next, count);
        Array.Resize(ref _prev, count);
        Array.Resize(ref _slot, count);
        Array.Resize(ref _stamp, count);
        Array.Fill(_slot, -1, old, count - old);
    }

    public bool IsArmed(int id) => _slot[id] >= 0;

    public long Deadline(int id) => _deadline[id];

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
        _stamp[id]++;
        _deadline[id] = deadlineMs;
        _slot[id] = slot;
        _prev[id] = -1;
        _next[id] = _heads[slot];
        if (_heads[slot] >= 0)
        {
            _prev[_heads[slot]] = id;
        }

        _heads[slot] = id;
        _armed++;
    }

    public void Cancel(int id)
    {
        int slot = _slot[id];
        if (slot < 0)
        {
            return;
        }

        int prev = _prev[id];
        int next = _next[id];
        if (prev >= 0)
        {
            _next[prev] = next;
        }
        else
        {
            _heads[slot] = next;
        }

        if (next >= 0)
        {
            _prev[next] = prev;
        }

        _slot[id] = -1;
        _stamp[id]++;
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
                int next = _next[id];
                if (_deadline[id] <= nowMs)
                {
                    Cancel(id);
                    if (count == _due.Length)
                    {
                        Array.Resize(ref _due, count * 2); // grows to the peak once
                        Array.Resize(ref _dueStamp, count * 2);
                    }

                    _dueStamp[count] = _stamp[id];
                    _due[count++] = id;
                }

                id = next;
            }
        }

        _lastTick = nowTick;
        for (int i = 0; i < count; i++)
        {
            int id = _due[i];
            if (_stamp[id] == _dueStamp[i])
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
