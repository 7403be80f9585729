using Hyperproxy.Management;
using Hyperproxy.Script.Statistics;

namespace Hyperproxy.Tests.Metrics;

public sealed class MemoryStatisticsTests
{
    [Fact]
    public void TheFiguresArePlausible()
    {
        MemoryStatistics.Figures f = MemoryStatistics.Figures.ReadNow();
        Assert.True(f.Rss > 1 << 20, $"RSS {f.Rss}");
        Assert.True(f.Used > 0 && f.Used < f.Rss, $"used {f.Used}, RSS {f.Rss}");
        Assert.True(f.Total > f.Rss, $"total {f.Total}, RSS {f.Rss}");
        Assert.True(f.PeakRss >= f.Rss);
        Assert.True(f.Heap > 0 && f.Committed > 0 && f.Fragmented >= 0 && f.Collections >= 0);
        long resident = MemoryStatistics.ResidentBytes(); // read once: other tests in this process move it meanwhile
        Assert.Equal(0, resident % Environment.SystemPageSize);
    }

    [Fact]
    public void TheHeapFigureFollowsAllocationsAndTheResidentSetFollowsTouchedMemory()
    {
        MemoryStatistics.Figures before = MemoryStatistics.Figures.ReadNow();
        var held = new byte[64 << 20];
        for (int i = 0; i < held.Length; i += 4096)
            held[i] = 1; // touched: resident
        MemoryStatistics.Figures after = MemoryStatistics.Figures.ReadNow();
        // Other tests allocate and collect in this process at the same time: the figures must hold the live,
        // touched array (not grow by exactly its size).
        Assert.True(after.Used >= held.Length, $"used {before.Used} -> {after.Used}");
        Assert.True(after.Rss >= held.Length, $"RSS {before.Rss} -> {after.Rss}");
        Assert.NotEqual(before.Used, after.Used);
        Assert.True(after.PeakRss >= after.Rss);
        GC.KeepAlive(held);
    }

    [Fact]
    public void TheShmemGroupHasOpenSipsNamesAsGauges()
    {
        var registry = new StatisticsRegistry();
        registry.Register("shmem", new MemoryStatistics().Shmem());
        registry.Seal(1);
        foreach (string name in (string[])["total_size", "used_size", "real_used_size", "max_used_size", "free_size", "fragments"])
        {
            Statistic s = registry.Find("shmem", name)!;
            Assert.Equal(StatisticKind.Gauge, s.Kind);
        }

        long total = registry.Read(registry.Find("shmem", "total_size")!);
        long rss = registry.Read(registry.Find("shmem", "real_used_size")!);
        Assert.Equal(total - rss, registry.Read(registry.Find("shmem", "free_size")!)); // one reading serves the group
    }
}
