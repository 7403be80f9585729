using System.Runtime.CompilerServices;
using Hyperproxy.Sip;

namespace Hyperproxy.Proxy.Metrics;

/// <summary>
/// The busiest source addresses (IP, port ignored) of one worker: the space-saving algorithm (Metwally, Agrawal,
/// El Abbadi 2005) over <see cref="Capacity"/> counters. A known address adds one; an unknown one takes a free
/// counter, or replaces the smallest and starts from its count + 1, that count kept as its possible
/// over-estimate. Every address seen more than n/Capacity times of n is guaranteed to be held.
/// <para>
/// Written only by its worker, with no allocation (fixed arrays); a sequence number, odd while the worker
/// changes a counter, lets a reader take a consistent copy (<see cref="CopyTo"/>); <see cref="Merge"/> adds the
/// workers' copies up for the dashboard.
/// </para>
/// </summary>
public sealed class TopSources
{
    public const int Capacity = 16;

    // One array per worker for everything the worker writes on every message, a cache line of padding on both
    // sides: [pad][counts][errors][sequence, used][pad]. The hosts change only when a counter is replaced.
    private const int Pad = 8;
    private const int Counts = Pad;
    private const int Errors = Counts + Capacity;
    private const int Sequence = Errors + Capacity;
    private const int Used = Sequence + 1;
    private readonly long[] _cells = new long[Used + 1 + Pad];
    private readonly NetAddress[] _hosts = new NetAddress[Capacity + 4];

    /// <summary>Counts one message from <paramref name="source"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(in NetAddress source)
    {
        NetAddress[] hosts = _hosts;
        long[] cells = _cells;
        int used = (int)cells[Used];
        for (int i = 0; i < used; i++)
        {
            if (hosts[2 + i].HostEquals(source))
            {
                Volatile.Write(ref cells[Sequence], cells[Sequence] + 1);
                cells[Counts + i]++;
                Volatile.Write(ref cells[Sequence], cells[Sequence] + 1);
                return;
            }
        }

        AddNew(source, used);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddNew(in NetAddress source, int used)
    {
        long[] cells = _cells;
        Volatile.Write(ref cells[Sequence], cells[Sequence] + 1);
        if (used < Capacity)
        {
            _hosts[2 + used] = source.WithPort(0);
            cells[Counts + used] = 1;
            cells[Errors + used] = 0;
            cells[Used] = used + 1;
        }
        else
        {
            int min = 0;
            for (int i = 1; i < Capacity; i++)
            {
                if (cells[Counts + i] < cells[Counts + min])
                {
                    min = i;
                }
            }

            _hosts[2 + min] = source.WithPort(0);
            cells[Errors + min] = cells[Counts + min];
            cells[Counts + min]++;
        }

        Volatile.Write(ref cells[Sequence], cells[Sequence] + 1);
    }

    /// <summary>A consistent copy (retrying while the worker writes, at most 64 times) into the given spans; returns how many entries.</summary>
    public int CopyTo(Span<NetAddress> hosts, Span<long> counts, Span<long> errors)
    {
        int n = 0;
        for (int attempt = 0; attempt < 64; attempt++)
        {
            long before = Volatile.Read(ref _cells[Sequence]);
            n = (int)Volatile.Read(ref _cells[Used]);
            _hosts.AsSpan(2, n).CopyTo(hosts);
            _cells.AsSpan(Counts, n).CopyTo(counts);
            _cells.AsSpan(Errors, n).CopyTo(errors);
            Interlocked.MemoryBarrier(); // the copies above are done before the sequence is read again
            if ((before & 1) == 0 && Volatile.Read(ref _cells[Sequence]) == before)
            {
                break;
            }
        }

        return n;
    }

    /// <summary>The workers' counters added up by address, the largest first, at most <paramref name="limit"/>.</summary>
    public static List<(NetAddress Host, long Count, long Error)> Merge(IReadOnlyList<TopSources> workers, int limit)
    {
        var hosts = new NetAddress[Capacity];
        var counts = new long[Capacity];
        var errors = new long[Capacity];
        var merged = new Dictionary<NetAddress, (long Count, long Error)>();
        foreach (TopSources w in workers)
        {
            int n = w.CopyTo(hosts, counts, errors);
            for (int i = 0; i < n; i++)
            {
                merged.TryGetValue(hosts[i], out var sum);
                merged[hosts[i]] = (sum.Count + counts[i], sum.Error + errors[i]);
            }
        }

        var list = new List<(NetAddress Host, long Count, long Error)>(merged.Count);
        foreach (var (host, (count, error)) in merged)
        {
            list.Add((host, count, error));
        }

        list.Sort((a, b) => b.Count.CompareTo(a.Count));
        if (list.Count > limit)
        {
            list.RemoveRange(limit, list.Count - limit);
        }

        return list;
    }
}
