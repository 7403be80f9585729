using Hyperproxy.Management;
using Hyperproxy.Proxy.Metrics;
using Hyperproxy.Testing;

namespace Hyperproxy.Tests.Metrics;

public sealed class LatencyHistogramTests
{
    private static (long[] Buckets, long Count, long Sum) ReadAll(LatencyHistogram h, int worker = -1)
    {
        var buckets = new long[LatencyHistogram.BucketCount];
        (long count, long sum) = h.Read(buckets, worker);
        return (buckets, count, sum);
    }

    [Fact]
    public void EveryBucketHoldsTheValuesUpToItsUpperEdgeAndTheEdgesRise()
    {
        long previous = 0;
        for (int b = 0; b < LatencyHistogram.BucketCount - 1; b++)
        {
            long upper = LatencyHistogram.UpperBound(b);
            Assert.True(upper > previous, $"bucket {b}: {upper} after {previous}");
            Assert.Equal(b, LatencyHistogram.BucketOf(upper));
            Assert.Equal(b + 1, LatencyHistogram.BucketOf(upper + 1));
            if (b > 0)
            {
                Assert.Equal(b, LatencyHistogram.BucketOf(previous + 1)); // the lowest value it holds
            }

            // Two significant digits: a bucket is at most a tenth of its lower edge wide.
            Assert.True(b < 10 || (upper - previous) * 10 <= previous, $"bucket {b} ({previous}, {upper}]");
            previous = upper;
        }

        Assert.Equal(100_000_000_000, previous); // 100 s
        Assert.Equal(LatencyHistogram.BucketCount - 1, LatencyHistogram.BucketOf(100_000_000_001));
        Assert.Equal(LatencyHistogram.BucketCount - 1, LatencyHistogram.BucketOf(long.MaxValue));
        Assert.Equal(0, LatencyHistogram.BucketOf(0));
        Assert.Equal(0, LatencyHistogram.BucketOf(-5));
    }

    [Fact]
    public void ThePrometheusBoundsAreBucketEdges()
    {
        foreach (var (text, ns) in PrometheusRoute.LatencyBounds)
        {
            Assert.Equal(ns, LatencyHistogram.UpperBound(LatencyHistogram.BucketOf(ns)));
            Assert.Equal(ns, (long)Math.Round(double.Parse(text, System.Globalization.CultureInfo.InvariantCulture) * 1e9));
        }
    }

    [Fact]
    public void KnownLatenciesGiveKnownPercentiles()
    {
        var h = new LatencyHistogram("request_latency", 1);
        for (int i = 0; i < 500; i++)
            h.Record(0, 1_500);        // 1.5 µs
        for (int i = 0; i < 400; i++)
            h.Record(0, 20_000);       // 20 µs
        for (int i = 0; i < 90; i++)
            h.Record(0, 2_000_000);    // 2 ms
        for (int i = 0; i < 9; i++)
            h.Record(0, 75_000_000);   // 75 ms
        h.Record(0, 5_000_000_000);    // 5 s

        var (buckets, count, sum) = ReadAll(h);
        Assert.Equal(1000, count);
        Assert.Equal((500L * 1_500) + (400L * 20_000) + (90L * 2_000_000) + (9L * 75_000_000) + 5_000_000_000, sum);
        Assert.Equal(500, buckets[LatencyHistogram.BucketOf(1_500)]);
        Assert.Equal(400, buckets[LatencyHistogram.BucketOf(20_000)]);
        Assert.Equal(1_500, LatencyHistogram.Percentile(buckets, count, 0.50));
        Assert.Equal(20_000, LatencyHistogram.Percentile(buckets, count, 0.90));
        Assert.Equal(2_000_000, LatencyHistogram.Percentile(buckets, count, 0.99));
        Assert.Equal(75_000_000, LatencyHistogram.Percentile(buckets, count, 0.999));
        Assert.Equal(5_000_000_000, LatencyHistogram.Percentile(buckets, count, 1.0));
    }

    [Fact]
    public void AValueBetweenEdgesReportsItsBucketsUpperEdge()
    {
        var h = new LatencyHistogram("request_latency", 1);
        h.Record(0, 1_234); // in (1 200, 1 300]
        var (buckets, count, _) = ReadAll(h);
        Assert.Equal(1_300, LatencyHistogram.Percentile(buckets, count, 0.5));
        Assert.Equal(0, LatencyHistogram.Percentile(buckets, 0, 0.5)); // empty
    }

    [Fact]
    public void WorkersRowsAreKeptApartAndSummedOnRead()
    {
        var h = new LatencyHistogram("request_latency", 3);
        h.Record(0, 100);
        h.Record(2, 100);
        h.Record(2, 9_000);
        Assert.Equal(3, ReadAll(h).Count);
        Assert.Equal(1, ReadAll(h, 0).Count);
        Assert.Equal(0, ReadAll(h, 1).Count);
        Assert.Equal(9_100, ReadAll(h, 2).Sum);
    }

    [Fact]
    public void RecordingAllocatesNothing()
    {
        var h = new LatencyHistogram("request_latency", 4);
        for (int i = 0; i < 1000; i++)
            h.Record(1, i * 37);
        long allocated = Allocations.Least(() =>
        {
            for (int i = 0; i < 100_000; i++)
                h.Record(1, (i * 7919L) % 50_000_000);
        });
        Assert.Equal(0, allocated);
        Assert.True(ReadAll(h, 1).Count >= 101_000);
    }

    [Fact]
    public void TheDashboardWindowShowsRecentPercentilesAndTheTotal()
    {
        var h = new LatencyHistogram("request_latency", 2);
        long now = 0;
        var window = new LatencyWindow(h, () => now);
        for (int i = 0; i < 100; i++)
            h.Record(0, 900_000); // 0.9 ms, before the window
        var first = window.Snapshot();
        Assert.Equal(100, (long)first["total"]!["count"]!);
        Assert.Equal(100, (long)first["count"]!); // the window's first copy was taken when it was made: everything since
        now += 11_000;
        window.Snapshot(); // a copy 11 s later
        for (int i = 0; i < 10; i++)
            h.Record(1, 3_000);
        now += 2_000;
        var s = window.Snapshot();
        Assert.Equal(10, (long)s["count"]!);
        Assert.Equal(3.0, (double)s["p50_us"]!);
        Assert.Equal(3.0, (double)s["p999_us"]!);
        Assert.Equal(110, (long)s["total"]!["count"]!);
        Assert.Equal(900.0, (double)s["total"]!["p90_us"]!);
    }
}
