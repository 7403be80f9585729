using System.Diagnostics;

namespace Hyperproxy.Proxy.Metrics;

/// <summary>
/// The figures the workers keep beside their counters (docs/statistics.md, "Latency and top sources"): the
/// request latency histogram (a request taken from the kernel → its reply or forward written to the outgoing
/// batch) and each worker's busiest sources. One per server; each worker writes only its own row.
/// </summary>
public sealed class ProxyMetrics
{
    private static readonly double s_nanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    public ProxyMetrics(int workers, Func<long>? clock = null)
    {
        Latency = new LatencyHistogram("request_latency", workers);
        var sources = new TopSources[workers];
        for (int i = 0; i < workers; i++)
        {
            sources[i] = new TopSources();
        }

        Sources = sources;
        Clock = clock;
    }

    public LatencyHistogram Latency { get; }

    /// <summary>One per worker.</summary>
    public IReadOnlyList<TopSources> Sources { get; }

    /// <summary>Tests: a clock in nanoseconds that moves only when told (null: the machine's monotonic clock).</summary>
    public Func<long>? Clock { get; }

    /// <summary>Monotonic nanoseconds (the test clock when one is set).</summary>
    public long NowNanoseconds() => Clock is { } clock ? clock() : TicksToNanoseconds(Stopwatch.GetTimestamp());

    public static long TicksToNanoseconds(long ticks) => Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * s_nanosecondsPerTick);
}
