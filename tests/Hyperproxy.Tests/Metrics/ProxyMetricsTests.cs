using System.Text;
using Hyperproxy.Proxy;
using Hyperproxy.Proxy.Metrics;
using Hyperproxy.Sip;
using Hyperproxy.Testing;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Metrics;

/// <summary>
/// The worker's latency and top-source figures, through a whole worker turn (<see cref="InMemoryBatchIo"/>): a
/// request's latency runs from the batch leaving the kernel to its reply or forward being written, on a clock
/// the test moves, so known delays land in known buckets.
/// </summary>
public sealed class ProxyMetricsTests : IDisposable
{
    private static readonly NetAddress Client7 = NetAddress.FromIPv4(127, 0, 0, 7, 40007);
    private readonly NextHopResolver _resolver = new(_ => throw new System.Net.Sockets.SocketException(11001));
    private readonly InMemoryBatchIo _io = new(capacity: 64);
    private readonly Queue<long> _ticks = new();
    private long _now;
    private readonly byte[] _options = Encoding.ASCII.GetBytes(PipelineRig.OptionsPing);

    public void Dispose()
    {
        _resolver.Dispose();
        _io.Dispose();
    }

    /// <summary>Each reading of the clock takes the next value queued (the last one stays).</summary>
    private long Clock()
    {
        if (_ticks.Count != 0)
            _now = _ticks.Dequeue();
        return _now;
    }

    private StatelessProxy NewProxy(ProxyMetrics metrics) =>
        new(new ProxyIdentity([PipelineRig.Us], [null]), _resolver, new ProxyCounters[1], 0, DefaultScript.Compiled, null, metrics: metrics);

    [Fact]
    public void EachRequestsLatencyRunsFromItsBatchToItsReply()
    {
        var metrics = new ProxyMetrics(1, Clock);
        StatelessProxy proxy = NewProxy(metrics);
        for (int i = 0; i < 3; i++)
            _io.Enqueue(_options, PipelineRig.Client);
        // The batch is read at 1 000 000 ns; the three replies are written 2, 5 and 90 µs later.
        foreach (long t in (long[])[1_000_000, 1_002_000, 1_005_000, 1_090_000])
            _ticks.Enqueue(t);
        Assert.Equal(3, _io.Run(proxy));

        var buckets = new long[LatencyHistogram.BucketCount];
        (long count, long sum) = metrics.Latency.Read(buckets);
        Assert.Equal(3, count);
        Assert.Equal(2_000 + 5_000 + 90_000, sum);
        Assert.Equal(1, buckets[LatencyHistogram.BucketOf(2_000)]);
        Assert.Equal(1, buckets[LatencyHistogram.BucketOf(5_000)]);
        Assert.Equal(1, buckets[LatencyHistogram.BucketOf(90_000)]);
        Assert.Equal(5_000, LatencyHistogram.Percentile(buckets, count, 0.5));
        Assert.Equal(90_000, LatencyHistogram.Percentile(buckets, count, 0.99));
    }

    [Fact]
    public void RepliesAndDropsAreNotRequestsLatencies()
    {
        var metrics = new ProxyMetrics(1, Clock);
        StatelessProxy proxy = NewProxy(metrics);
        _io.Enqueue("garbage that is not SIP"u8, PipelineRig.Client);
        _io.Enqueue(Encoding.ASCII.GetBytes("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.9:1;branch=z9hG4bK-x\r\nFrom: <sip:a@b>;tag=1\r\n"
            + "To: <sip:b@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"), PipelineRig.Client);
        _io.Run(proxy);
        Assert.Equal(0, metrics.Latency.Read(new long[LatencyHistogram.BucketCount]).Count);
    }

    [Fact]
    public void TheBusiestSourcesAreCountedPerWorkerAndMerged()
    {
        var metrics = new ProxyMetrics(2, Clock);
        StatelessProxy proxy = NewProxy(metrics);
        for (int i = 0; i < 5; i++)
            _io.Enqueue(_options, PipelineRig.Client);
        for (int i = 0; i < 2; i++)
            _io.Enqueue(_options, Client7);
        _io.Run(proxy);
        metrics.Sources[1].Add(Client7.WithPort(9)); // another worker saw 127.0.0.7 too (another port: the same source)

        var top = TopSources.Merge(metrics.Sources, 10);
        Assert.Equal(2, top.Count);
        Assert.Equal("127.0.0.9", top[0].Host.HostToString());
        Assert.Equal(5, top[0].Count);
        Assert.Equal("127.0.0.7", top[1].Host.HostToString());
        Assert.Equal(3, top[1].Count);
    }

    [Fact]
    public void AFullTopListReplacesItsSmallestCounterAndKeepsTheHeavyHitters()
    {
        var top = new TopSources();
        NetAddress heavy = NetAddress.FromIPv4(10, 0, 0, 1, 5060);
        for (int i = 0; i < 1000; i++)
        {
            top.Add(heavy);
            top.Add(NetAddress.FromIPv4(10, 1, (byte)(i >> 8), (byte)i, 5060)); // a thousand sources seen once each
        }

        var merged = TopSources.Merge([top], 3);
        Assert.Equal(heavy.WithPort(0), merged[0].Host);
        Assert.Equal(1000, merged[0].Count);
        Assert.Equal(0, merged[0].Error);
        Assert.True(merged[1].Count - merged[1].Error <= 1); // the rest are estimates with their possible over-count
    }

    [Fact]
    public void AWorkerTurnWithMetricsAllocatesNothing()
    {
        var metrics = new ProxyMetrics(1); // the machine's clock
        StatelessProxy proxy = NewProxy(metrics);
        NetAddress[] sources = [PipelineRig.Client, Client7, NetAddress.FromIPv4(127, 0, 0, 8, 5060)];
        void Turn()
        {
            _io.ClearSent();
            for (int i = 0; i < 48; i++)
                _io.Enqueue(_options, sources[i % 3]);
            _io.Run(proxy);
        }

        for (int i = 0; i < 50; i++)
            Turn();
        long allocated = Allocations.Least(() =>
        {
            for (int i = 0; i < 200; i++)
                Turn();
        });
        Assert.Equal(0, allocated);
        Assert.True(metrics.Latency.Read(new long[LatencyHistogram.BucketCount]).Count >= 250 * 48);
    }
}
