using System.Buffers.Binary;
using System.Diagnostics;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Pike;

/// <summary>
/// Request counting per source address (IPv4 as v4-mapped IPv6, one key space), shared by every worker without
/// locks: a fixed open-addressed table whose slots are claimed and counted with compare-and-swap. Each slot keeps
/// the hits of the current sampling window and of the previous one (windows advance lazily, on the next hit); an
/// address is hot when either reaches <see cref="Density"/>. A source whose datagrams the kernel spreads over
/// several workers (many source ports) is counted in one slot, so it is blocked at the same rate as one that stays
/// on a worker. Memory is bounded: <see cref="Capacity"/> slots, idle ones freed after <c>remove_latency</c>; when
/// every slot near a new address's hash is taken, that address is not counted (and <see cref="Full"/> says so).
/// </summary>
public sealed class PikeTable
{
    private const int MaxProbe = 16;
    private const int Empty = 0;
    private const int Claiming = 1;
    private const int Live = 2;

    private readonly int _mask;
    private readonly int[] _state;
    private readonly ulong[] _hi;
    private readonly ulong[] _lo;
    private readonly long[] _current;   // (window << 32) | hits in that window
    private readonly int[] _previous;   // hits of the window before _current's
    private readonly int[] _blocked;    // 1 while the address is blocked
    private long _nextSweepMs;
    private long _full;

    public PikeTable(int capacity, int samplingSeconds, int density, int removeLatencySeconds)
    {
        int size = 64;
        while (size < capacity)
        {
            size <<= 1;
        }

        Capacity = size;
        _mask = size - 1;
        _state = new int[size];
        _hi = new ulong[size];
        _lo = new ulong[size];
        _current = new long[size];
        _previous = new int[size];
        _blocked = new int[size];
        SamplingMs = samplingSeconds * 1000L;
        Density = density;
        RemoveLatencyMs = removeLatencySeconds * 1000L;
    }

    public int Capacity { get; }

    public long SamplingMs { get; }

    /// <summary><c>reqs_density_per_unit</c>.</summary>
    public int Density { get; }

    public long RemoveLatencyMs { get; }

    /// <summary>Hits not counted because the table had no free slot near the address.</summary>
    public long Full => Volatile.Read(ref _full);

    /// <summary>The clock (ms) the table runs on; tests move it.</summary>
    public Func<long> Clock { get; set; } = static () => Stopwatch.GetTimestamp() * 1000 / Stopwatch.Frequency;

    /// <summary>
    /// Counts a hit from <paramref name="address"/>: 1 not flooding, -2 flooding detected now (it becomes blocked),
    /// -1 flooding and already blocked. <paramref name="unblocked"/> gets addresses the periodic sweep released.
    /// </summary>
    public int Hit(in NetAddress address, List<NetAddress>? unblocked = null)
    {
        long now = Clock();
        if (now >= Volatile.Read(ref _nextSweepMs))
        {
            Sweep(now, unblocked);
        }

        Key(address, out ulong hi, out ulong lo);
        int i = FindOrClaim(hi, lo);
        if (i < 0)
        {
            Interlocked.Increment(ref _full);
            return 1;
        }

        long window = now / SamplingMs;
        int current, previous;
        while (true)
        {
            long seen = Volatile.Read(ref _current[i]);
            long w = seen >>> 32;
            int hits = (int)seen;
            if (w == window)
            {
                if (Interlocked.CompareExchange(ref _current[i], seen + 1, seen) == seen)
                {
                    current = hits + 1;
                    previous = Volatile.Read(ref _previous[i]);
                    break;
                }
            }
            else if (Interlocked.CompareExchange(ref _current[i], (window << 32) | 1, seen) == seen)
            {
                previous = w == window - 1 ? hits : 0;
                Volatile.Write(ref _previous[i], previous);
                current = 1;
                break;
            }
        }

        bool hot = current >= Density || previous >= Density;
        if (hot)
        {
            return Interlocked.Exchange(ref _blocked[i], 1) == 0 ? -2 : -1;
        }

        if (Volatile.Read(ref _blocked[i]) != 0 && Interlocked.Exchange(ref _blocked[i], 0) != 0)
        {
            unblocked?.Add(address.WithPort(0));
        }

        return 1;
    }

    /// <summary>The addresses blocked now (pike_list).</summary>
    public List<NetAddress> Blocked()
    {
        var list = new List<NetAddress>();
        for (int i = 0; i < _state.Length; i++)
        {
            if (Volatile.Read(ref _state[i]) == Live && Volatile.Read(ref _blocked[i]) != 0)
            {
                list.Add(AddressOf(i));
            }
        }

        return list;
    }

    /// <summary>
    /// pike_rm: releases <paramref name="address"/> and forgets its counts. 1 released, 0 tracked but not blocked,
    /// -1 not tracked.
    /// </summary>
    public int Unblock(in NetAddress address)
    {
        Key(address, out ulong hi, out ulong lo);
        int start = (int)(Mix(hi, lo) & (uint)_mask);
        for (int p = 0; p < MaxProbe; p++)
        {
            int i = (start + p) & _mask;
            if (Volatile.Read(ref _state[i]) == Live && _hi[i] == hi && _lo[i] == lo)
            {
                if (Interlocked.Exchange(ref _blocked[i], 0) == 0)
                {
                    return 0;
                }

                Volatile.Write(ref _current[i], 0);
                Volatile.Write(ref _previous[i], 0);
                return 1;
            }
        }

        return -1;
    }

    /// <summary>
    /// Once per second (whichever worker gets there first): blocked addresses no longer hot are unblocked, slots
    /// idle for remove_latency are freed.
    /// </summary>
    private void Sweep(long now, List<NetAddress>? unblocked)
    {
        long due = Volatile.Read(ref _nextSweepMs);
        if (now < due || Interlocked.CompareExchange(ref _nextSweepMs, now + 1000, due) != due)
        {
            return;
        }

        long window = now / SamplingMs;
        for (int i = 0; i < _state.Length; i++)
        {
            if (Volatile.Read(ref _state[i]) != Live)
            {
                continue;
            }

            long seen = Volatile.Read(ref _current[i]);
            long w = seen >>> 32;
            int hits = (int)seen;
            int current = w == window ? hits : 0;
            int previous = w == window ? Volatile.Read(ref _previous[i]) : w == window - 1 ? hits : 0;
            if (_blocked[i] != 0 && current < Density && previous < Density && Interlocked.Exchange(ref _blocked[i], 0) != 0)
            {
                unblocked?.Add(AddressOf(i));
            }

            if (_blocked[i] == 0 && (now - (w * SamplingMs)) > RemoveLatencyMs + SamplingMs)
            {
                Volatile.Write(ref _state[i], Empty);
            }
        }
    }

    private int FindOrClaim(ulong hi, ulong lo)
    {
        int start = (int)(Mix(hi, lo) & (uint)_mask);
        int free = -1;
        for (int p = 0; p < MaxProbe; p++)
        {
            int i = (start + p) & _mask;
            int s = Volatile.Read(ref _state[i]);
            if (s == Live && _hi[i] == hi && _lo[i] == lo)
            {
                return i;
            }

            if (s == Empty && free < 0)
            {
                free = i;
            }
        }

        // Not present: claim the first free slot seen (a racing worker may claim another for the same address; its
        // hits then split over two slots for a while, never more than the probe window).
        for (int p = 0; p < MaxProbe && free >= 0; p++)
        {
            if (Interlocked.CompareExchange(ref _state[free], Claiming, Empty) == Empty)
            {
                _hi[free] = hi;
                _lo[free] = lo;
                _current[free] = 0;
                _previous[free] = 0;
                _blocked[free] = 0;
                Volatile.Write(ref _state[free], Live);
                return free;
            }

            free = -1;
            for (int q = 0; q < MaxProbe; q++)
            {
                int i = (start + q) & _mask;
                if (Volatile.Read(ref _state[i]) == Empty)
                {
                    free = i;
                    break;
                }
            }
        }

        return -1;
    }

    private static void Key(in NetAddress address, out ulong hi, out ulong lo)
    {
        Span<byte> b = stackalloc byte[16];
        int n = address.CopyAddressBytes(b);
        if (n == 4)
        {
            hi = 0;
            lo = 0x0000FFFF00000000UL | BinaryPrimitives.ReadUInt32BigEndian(b);
            return;
        }

        hi = BinaryPrimitives.ReadUInt64BigEndian(b);
        lo = BinaryPrimitives.ReadUInt64BigEndian(b[8..]);
    }

    private NetAddress AddressOf(int i)
    {
        Span<byte> b = stackalloc byte[16];
        if (_hi[i] == 0 && (_lo[i] >> 32) == 0xFFFF)
        {
            BinaryPrimitives.WriteUInt32BigEndian(b, (uint)_lo[i]);
            return NetAddress.FromIPv4(b[..4], 0);
        }

        BinaryPrimitives.WriteUInt64BigEndian(b, _hi[i]);
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], _lo[i]);
        return NetAddress.FromIPv6(b, 0);
    }

    private static ulong Mix(ulong hi, ulong lo)
    {
        ulong h = (hi * 0x9E3779B97F4A7C15UL) ^ lo;
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        return h;
    }
}
