using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Pike;

/// <summary>
/// pike's counting tree (OpenSIPS <c>modules/pike</c>): one node per address prefix of whole bytes, IPv4 four levels
/// deep, IPv6 sixteen. A request is counted on the deepest node that exists for its source: the full-address node
/// (a leaf) when there is one, else the longest prefix. A prefix node that reaches a quarter of the density in the
/// current or the previous window ("warm") grows the next byte's child, so the tree expands only where the traffic is;
/// a leaf turns red (blocked) when its requests in the current or the previous window, or their mean, reach
/// <see cref="Density"/>. Windows are <c>sampling_time_unit</c> long and shift for every node at once (counters keep
/// their window number and roll over lazily, on the next hit or sweep).
/// <para>
/// The nodes live in a fixed open-addressed table keyed by (family, depth, prefix) and are shared by every worker
/// without locks: a node is claimed and counted with compare-and-swap, so a source whose datagrams the kernel spreads
/// over several workers (many source ports) is counted on one node and blocked at the same rate as one that stays on a
/// worker. A once-a-second sweep (run by whichever worker first gets there) unblocks red leaves that are no longer hot
/// and frees nodes idle for <c>remove_latency</c> (a prefix node lives while it has children). Memory is bounded by
/// <see cref="Capacity"/>; when no slot near a new node's hash is free the node is not grown and the hit is counted
/// by its parent (or not at all for a new first byte: <see cref="Full"/>).
/// </para>
/// </summary>
public sealed class PikeTable
{
    private const int MaxProbe = 16;
    private const int Empty = 0;
    private const int Claiming = 1;
    private const int Live = 2;
    private const int V6Tag = 0x100;

    private readonly int _mask;
    private readonly Node[] _nodes;
    private readonly bool[] _hasKids; // the sweeper's own scratch
    private long _nextSweepMs;
    private int _sweeping;
    private long _full;

    [StructLayout(LayoutKind.Sequential)]
    private struct Node
    {
        public ulong Hi;
        public ulong Lo;
        public long Current;   // (window << 32) | hits in that window
        public long TouchedMs; // last hit that keeps the node (every leaf hit, warm prefix hits, a live child)
        public int Previous;   // hits of the window before Current's
        public int Tag;        // depth (1..16) | V6Tag
        public int State;
        public int Red;
    }

    public PikeTable(int capacity, int samplingSeconds, int density, int removeLatencySeconds)
    {
        int size = 64;
        while (size < capacity)
        {
            size <<= 1;
        }

        Capacity = size;
        _mask = size - 1;
        _nodes = new Node[size];
        _hasKids = new bool[size];
        SamplingMs = samplingSeconds * 1000L;
        Density = density;
        RemoveLatencyMs = removeLatencySeconds * 1000L;
    }

    /// <summary>Nodes the table can hold (a power of two).</summary>
    public int Capacity { get; }

    public long SamplingMs { get; }

    /// <summary><c>reqs_density_per_unit</c>.</summary>
    public int Density { get; }

    public long RemoveLatencyMs { get; }

    /// <summary>Hits of a new first byte not counted because the table had no free slot near it.</summary>
    public long Full => Volatile.Read(ref _full);

    /// <summary>Nodes in the tree now (prefixes and leaves).</summary>
    public int NodeCount
    {
        get
        {
            int n = 0;
            for (int i = 0; i < _nodes.Length; i++)
            {
                if (Volatile.Read(ref _nodes[i].State) == Live)
                {
                    n++;
                }
            }

            return n;
        }
    }

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

        Key(address, out ulong hi, out ulong lo, out int length, out int family);
        long window = now / SamplingMs;
        int leaf = Find(hi, lo, family | length);
        if (leaf >= 0)
        {
            return LeafHit(leaf, window, now, address, unblocked);
        }

        // The longest prefix there is (a missing level ends the walk: its children are unreachable until it regrows).
        int node = -1;
        int depth = 0;
        for (int d = 1; d < length; d++)
        {
            Prefix(hi, lo, d, out ulong ph, out ulong pl);
            int i = Find(ph, pl, family | d);
            if (i < 0)
            {
                break;
            }

            node = i;
            depth = d;
        }

        if (node < 0)
        {
            Prefix(hi, lo, 1, out ulong ph, out ulong pl);
            if (Claim(ph, pl, family | 1, window, 1, now) < 0)
            {
                Interlocked.Increment(ref _full);
            }

            return 1;
        }

        Count(node, window, out int current, out int previous);
        int warm = Density >> 2;
        if (IsHot(current, previous, warm))
        {
            // Split: the child inherits its parent's hits of this window (less this one); a full-address child starts
            // with no leaf hits.
            Prefix(hi, lo, depth + 1, out ulong ch, out ulong cl);
            Claim(ch, cl, family | (depth + 1), window, depth + 1 == length ? 0 : Math.Max(current - 1, 0), now);
        }

        if (current >= warm)
        {
            Volatile.Write(ref _nodes[node].TouchedMs, now); // prefix nodes with few hits are left to expire
        }

        return 1;
    }

    private int LeafHit(int i, long window, long now, in NetAddress address, List<NetAddress>? unblocked)
    {
        ref Node n = ref _nodes[i];
        Count(i, window, out int current, out int previous);
        Volatile.Write(ref n.TouchedMs, now);
        if (IsHot(current, previous, Density))
        {
            return Interlocked.Exchange(ref n.Red, 1) == 0 ? -2 : -1;
        }

        // Red at the end of a window but calm since: the window shift unblocks it (OpenSIPS's swap timer).
        if (Volatile.Read(ref n.Red) != 0 && Interlocked.Exchange(ref n.Red, 0) != 0)
        {
            unblocked?.Add(address.WithPort(0));
        }

        return 1;
    }

    private static bool IsHot(int current, int previous, int limit) =>
        current >= limit || previous >= limit || (((long)current + previous) >> 1) >= limit;

    /// <summary>Counts one hit on node <paramref name="i"/> in <paramref name="window"/>; the counts after it.</summary>
    private void Count(int i, long window, out int current, out int previous)
    {
        ref Node n = ref _nodes[i];
        while (true)
        {
            long seen = Volatile.Read(ref n.Current);
            long w = seen >>> 32;
            int hits = (int)seen;
            if (w == window)
            {
                long next = hits == int.MaxValue ? seen : seen + 1;
                if (Interlocked.CompareExchange(ref n.Current, next, seen) == seen)
                {
                    current = (int)next;
                    previous = Volatile.Read(ref n.Previous);
                    return;
                }
            }
            else if (Interlocked.CompareExchange(ref n.Current, (window << 32) | 1, seen) == seen)
            {
                previous = w == window - 1 ? hits : 0;
                Volatile.Write(ref n.Previous, previous);
                current = 1;
                return;
            }
        }
    }

    /// <summary>The counts of node <paramref name="i"/> as of <paramref name="window"/>, without a hit.</summary>
    private void Peek(int i, long window, out int current, out int previous)
    {
        ref Node n = ref _nodes[i];
        long seen = Volatile.Read(ref n.Current);
        long w = seen >>> 32;
        int hits = (int)seen;
        current = w == window ? hits : 0;
        previous = w == window ? Volatile.Read(ref n.Previous) : w == window - 1 ? hits : 0;
    }

    /// <summary>The addresses blocked now (pike_list): red leaves still hot in the current window.</summary>
    public List<NetAddress> Blocked()
    {
        long window = Clock() / SamplingMs;
        var list = new List<NetAddress>();
        for (int i = 0; i < _nodes.Length; i++)
        {
            ref Node n = ref _nodes[i];
            if (Volatile.Read(ref n.State) == Live && Volatile.Read(ref n.Red) != 0 && IsLeaf(n.Tag))
            {
                Peek(i, window, out int current, out int previous);
                if (IsHot(current, previous, Density))
                {
                    list.Add(AddressOf(i));
                }
            }
        }

        return list;
    }

    /// <summary>
    /// pike_rm: releases <paramref name="address"/> and forgets its counts. 1 released, 0 in the tree but not blocked,
    /// -1 not in the tree (OpenSIPS: the whole address must have a node).
    /// </summary>
    public int Unblock(in NetAddress address)
    {
        Key(address, out ulong hi, out ulong lo, out int length, out int family);
        int i = Find(hi, lo, family | length);
        if (i < 0)
        {
            return -1;
        }

        ref Node n = ref _nodes[i];
        if (Interlocked.Exchange(ref n.Red, 0) == 0)
        {
            return 0;
        }

        Volatile.Write(ref n.Current, 0);
        Volatile.Write(ref n.Previous, 0);
        return 1;
    }

    /// <summary>
    /// The once-a-second clean-up (whichever caller gets there first; one at a time): red leaves no longer hot are
    /// unblocked into <paramref name="unblocked"/>, nodes without children idle for remove_latency are freed (a parent
    /// stays while it has a child, and counts from its last child's end).
    /// </summary>
    public void Sweep(long now, List<NetAddress>? unblocked)
    {
        long due = Volatile.Read(ref _nextSweepMs);
        if (now < due || Interlocked.CompareExchange(ref _nextSweepMs, now + 1000, due) != due)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _sweeping, 1, 0) != 0)
        {
            return;
        }

        try
        {
            SweepNodes(now, unblocked);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private void SweepNodes(long now, List<NetAddress>? unblocked)
    {
        Array.Clear(_hasKids);
        for (int i = 0; i < _nodes.Length; i++)
        {
            ref Node n = ref _nodes[i];
            int depth = n.Tag & 0xFF;
            if (Volatile.Read(ref n.State) == Live && depth > 1)
            {
                Prefix(n.Hi, n.Lo, depth - 1, out ulong ph, out ulong pl);
                int parent = Find(ph, pl, (n.Tag & V6Tag) | (depth - 1));
                if (parent >= 0)
                {
                    _hasKids[parent] = true;
                }
            }
        }

        long window = now / SamplingMs;
        for (int i = 0; i < _nodes.Length; i++)
        {
            ref Node n = ref _nodes[i];
            if (Volatile.Read(ref n.State) != Live)
            {
                continue;
            }

            if (Volatile.Read(ref n.Red) != 0)
            {
                Peek(i, window, out int current, out int previous);
                if (!IsHot(current, previous, Density) && Interlocked.Exchange(ref n.Red, 0) != 0)
                {
                    unblocked?.Add(AddressOf(i));
                }
            }

            if (_hasKids[i])
            {
                Volatile.Write(ref n.TouchedMs, now);
            }
            else if (Volatile.Read(ref n.Red) == 0 && now - Volatile.Read(ref n.TouchedMs) > RemoveLatencyMs)
            {
                Volatile.Write(ref n.State, Empty);
            }
        }
    }

    private int Find(ulong hi, ulong lo, int tag)
    {
        int start = Start(hi, lo, tag);
        for (int p = 0; p < MaxProbe; p++)
        {
            ref Node n = ref _nodes[(start + p) & _mask];
            if (Volatile.Read(ref n.State) == Live && n.Hi == hi && n.Lo == lo && n.Tag == tag)
            {
                return (start + p) & _mask;
            }
        }

        return -1;
    }

    /// <summary>
    /// Claims a slot for a new node (or finds the one a racing worker just claimed): its index, or -1 when every slot
    /// near its hash is taken.
    /// </summary>
    private int Claim(ulong hi, ulong lo, int tag, long window, int hits, long now)
    {
        int start = Start(hi, lo, tag);
        for (int p = 0; p < MaxProbe; p++)
        {
            int i = (start + p) & _mask;
            ref Node n = ref _nodes[i];
            int s = Volatile.Read(ref n.State);
            if (s == Live && n.Hi == hi && n.Lo == lo && n.Tag == tag)
            {
                return i;
            }

            if (s == Empty && Interlocked.CompareExchange(ref n.State, Claiming, Empty) == Empty)
            {
                n.Hi = hi;
                n.Lo = lo;
                n.Tag = tag;
                n.Current = (window << 32) | (uint)hits;
                n.Previous = 0;
                n.Red = 0;
                n.TouchedMs = now;
                Volatile.Write(ref n.State, Live);
                return i;
            }
        }

        return -1;
    }

    private int Start(ulong hi, ulong lo, int tag)
    {
        ulong h = (hi * 0x9E3779B97F4A7C15UL) ^ lo ^ ((ulong)tag << 56);
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        return (int)(h & (uint)_mask);
    }

    private static bool IsLeaf(int tag) => (tag & 0xFF) == ((tag & V6Tag) != 0 ? 16 : 4);

    /// <summary>The address as the tree keys it, first byte highest: IPv4 in the top 32 bits of <paramref name="hi"/>, IPv6 in both.</summary>
    private static void Key(in NetAddress address, out ulong hi, out ulong lo, out int length, out int family)
    {
        Span<byte> b = stackalloc byte[16];
        int n = address.CopyAddressBytes(b);
        if (n == 4)
        {
            hi = (ulong)BinaryPrimitives.ReadUInt32BigEndian(b) << 32;
            lo = 0;
            length = 4;
            family = 0;
            return;
        }

        hi = BinaryPrimitives.ReadUInt64BigEndian(b);
        lo = BinaryPrimitives.ReadUInt64BigEndian(b[8..]);
        length = 16;
        family = V6Tag;
    }

    /// <summary>The first <paramref name="depth"/> bytes of the key, the rest zero.</summary>
    private static void Prefix(ulong hi, ulong lo, int depth, out ulong ph, out ulong pl)
    {
        int bits = depth * 8;
        if (bits <= 64)
        {
            ph = bits == 64 ? hi : hi & ~(ulong.MaxValue >> bits);
            pl = 0;
        }
        else
        {
            ph = hi;
            pl = bits == 128 ? lo : lo & ~(ulong.MaxValue >> (bits - 64));
        }
    }

    private NetAddress AddressOf(int i)
    {
        ref Node n = ref _nodes[i];
        Span<byte> b = stackalloc byte[16];
        if ((n.Tag & V6Tag) == 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(b, (uint)(n.Hi >> 32));
            return NetAddress.FromIPv4(b[..4], 0);
        }

        BinaryPrimitives.WriteUInt64BigEndian(b, n.Hi);
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], n.Lo);
        return NetAddress.FromIPv6(b, 0);
    }
}
