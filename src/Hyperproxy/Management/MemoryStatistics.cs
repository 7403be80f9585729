using System.Globalization;
using Hyperproxy.Script.Statistics;
using Hyperproxy.Transport;

namespace Hyperproxy.Management;

/// <summary>
/// OpenSIPS's <c>shmem</c> names for a managed process (docs/statistics.md, "Memory"): the GC heap
/// (<see cref="GC.GetGCMemoryInfo()"/>, <see cref="GC.GetTotalMemory(bool)"/>) stands for the shared pool, the
/// resident set (<c>/proc/self/statm</c>, peak from <c>/proc/self/status</c> VmHWM) for real use; and a
/// <c>pkmem</c>-style figure per worker: the bytes its thread has allocated. One reading serves every gauge of
/// a request (refreshed when older than 100 ms), so a /metrics page is one consistent picture.
/// </summary>
public sealed class MemoryStatistics
{
    private static readonly long s_refreshTicks = System.Diagnostics.Stopwatch.Frequency / 10;
    private readonly object _lock = new();
    private long _readAt;
    private bool _read;
    private Figures _figures;

    /// <summary>The figures, read now when the last reading is older than 100 ms.</summary>
    public Figures Read()
    {
        lock (_lock)
        {
            long now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (!_read || now - _readAt >= s_refreshTicks)
            {
                _figures = Figures.ReadNow();
                _readAt = now;
                _read = true;
            }

            return _figures;
        }
    }

    /// <summary>The <c>shmem</c> group.</summary>
    public Statistic[] Shmem() =>
    [
        Statistic.Gauge("total_size", () => Read().Total),
        Statistic.Gauge("used_size", () => Read().Used),
        Statistic.Gauge("real_used_size", () => Read().Rss),
        Statistic.Gauge("max_used_size", () => Read().PeakRss),
        Statistic.Gauge("free_size", () => Math.Max(0, Read().Total - Read().Rss)),
        Statistic.Gauge("fragments", () => Read().Fragmented),
        Statistic.Gauge("heap_size", () => Read().Heap),
        Statistic.Gauge("committed_size", () => Read().Committed),
        Statistic.Gauge("gc_collections", () => Read().Collections),
    ];

    /// <summary>The <c>pkmem</c> group: <c>N-allocated_size</c>, bytes worker N's thread has allocated since it started.</summary>
    public static Statistic[] Pkmem(IReadOnlyList<Worker> workers)
    {
        var rows = new Statistic[workers.Count];
        for (int w = 0; w < rows.Length; w++)
        {
            Worker worker = workers[w];
            rows[w] = Statistic.Gauge(w.ToString(CultureInfo.InvariantCulture) + "-allocated_size", () => worker.AllocatedBytes);
        }

        return rows;
    }

    /// <summary>One reading of the process's memory, in bytes.</summary>
    public readonly record struct Figures(long Total, long Used, long Rss, long PeakRss, long Fragmented, long Heap, long Committed, long Collections)
    {
        public static Figures ReadNow()
        {
            GCMemoryInfo gc = GC.GetGCMemoryInfo();
            long rss = ResidentBytes();
            return new Figures(
                Total: gc.TotalAvailableMemoryBytes,
                Used: GC.GetTotalMemory(false),
                Rss: rss,
                PeakRss: Math.Max(rss, PeakResidentBytes()),
                Fragmented: gc.FragmentedBytes,
                Heap: gc.HeapSizeBytes,
                Committed: gc.TotalCommittedBytes,
                Collections: GC.CollectionCount(0));
        }
    }

    /// <summary>Resident set size: <c>/proc/self/statm</c>'s second field × the page size (the runtime's working set where there is no /proc).</summary>
    public static long ResidentBytes()
    {
        try
        {
            string statm = File.ReadAllText("/proc/self/statm");
            string[] f = statm.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length > 1 && long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out long pages))
                return pages * Environment.SystemPageSize;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Environment.WorkingSet;
    }

    /// <summary>Peak resident set size: VmHWM of <c>/proc/self/status</c> (0 where there is none).</summary>
    public static long PeakResidentBytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    continue;
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries); // VmHWM: 12345 kB
                return f.Length > 1 && long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : 0;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }
}
