using Hyperproxy.Script.Statistics;
using Hyperproxy.Testing;

namespace Hyperproxy.Script.Tests.Statistics;

public class StatisticsRegistryTests
{
    private static (StatisticsRegistry Registry, Statistic Counter, Statistic Gauge) Create(int workers = 4)
    {
        var registry = new StatisticsRegistry();
        Statistic counter = Statistic.Counter("hits");
        long level = 7;
        Statistic gauge = Statistic.Gauge("level", () => level);
        registry.Register("grp", [counter, gauge]);
        registry.Seal(workers);
        return (registry, counter, gauge);
    }

    [Fact]
    public void ReadSumsEveryWorkersCellAndTheSharedRow()
    {
        var (registry, counter, _) = Create();
        counter.Add(0, 3);
        counter.Add(3, 4);
        counter.Increment(-1);
        counter.Increment(99); // out of range: the shared row
        Assert.Equal(9, registry.Read(counter));
        Assert.Equal(9, counter.Read());
    }

    [Fact]
    public void ResetSetsACounterBackToZeroAndLeavesAGauge()
    {
        var (registry, counter, gauge) = Create();
        counter.Add(1, 10);
        Assert.True(registry.Reset(counter));
        Assert.False(registry.Reset(gauge));
        Assert.Equal(0, counter.Read());
        Assert.Equal(7, gauge.Read());
        counter.Add(2, 2);
        Assert.Equal(2, counter.Read());
    }

    [Fact]
    public void SummedCounterResetsAgainstItsReader()
    {
        long outside = 100;
        var registry = new StatisticsRegistry();
        Statistic summed = Statistic.SummedCounter("rcv", () => outside);
        registry.Register("core", [summed]);
        registry.Seal(1);
        registry.Reset(summed);
        outside = 130;
        Assert.Equal(30, summed.Read());
    }

    [Fact]
    public void FindTakesGroupColonNameOrPlainNameAndSelectTakesGroupsAndAll()
    {
        var (registry, counter, gauge) = Create();
        Assert.Same(counter, registry.Find("grp:hits"u8));
        Assert.Same(counter, registry.Find("hits"u8));
        Assert.Same(gauge, registry.Find("GRP:LEVEL"u8));
        Assert.Null(registry.Find("other:hits"u8));
        Assert.Null(registry.Find("nothing"u8));
        Assert.Equal(2, registry.Select("grp:").Count);
        Assert.Equal(2, registry.Select("all").Count);
        Assert.Single(registry.Select("grp:level"));
        Assert.Empty(registry.Select("nope:"));
    }

    [Fact]
    public void ANameTakenTwiceInAGroupIsRefusedAndNothingRegistersAfterSeal()
    {
        var registry = new StatisticsRegistry();
        registry.Register("g", [Statistic.Counter("a")]);
        Assert.Throws<InvalidOperationException>(() => registry.Register("g", [Statistic.Counter("a")]));
        registry.Register("h", [Statistic.Counter("a")]);
        registry.Seal(1);
        Assert.Throws<InvalidOperationException>(() => registry.Register("i", [Statistic.Counter("b")]));
    }

    [Fact]
    public void AddingFromAWorkerAndFindingByBytesAllocateNothing()
    {
        var (registry, counter, _) = Create();
        long allocated = Allocations.Least(() =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                counter.Increment(1);
                registry.Find("grp:hits"u8)!.Add(2, 1);
            }

            _ = registry.Read(counter);
        });
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void WorkersCountingAtOnceLoseNothing()
    {
        var (registry, counter, _) = Create(workers: 4);
        var threads = new Thread[4];
        for (int w = 0; w < threads.Length; w++)
        {
            int worker = w;
            threads[w] = new Thread(() =>
            {
                for (int i = 0; i < 250_000; i++)
                    counter.Increment(worker);
            });
            threads[w].Start();
        }

        foreach (Thread t in threads)
            Assert.True(t.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(1_000_000, registry.Read(counter));
    }
}
