using System.Globalization;
using BenchmarkDotNet.Attributes;
using Hyperproxy.Management;
using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Proxy.Metrics;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Statistics;

namespace Hyperproxy.Bench.Management;

/// <summary>
/// <c>GET /metrics</c> rendered for a 64-worker server with every group (target: under 1 ms): core, sl, tm,
/// shmem, pkmem (64), load (3 + 64), net, every module's export-table statistics as if all were loaded, ten
/// script variables, and the request latency histogram per worker (64 × 23 lines, every worker's row filled).
/// The load/pkmem/net gauges read arrays here instead of live workers (a benchmark has no sockets); the rest is the
/// server's own code. Baseline: the same without the histogram.
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    public const int Workers = 64;

    private PrometheusRoute _statisticsOnly = null!;
    private PrometheusRoute _all = null!;

    [GlobalSetup]
    public void Setup()
    {
        _statisticsOnly = Route(withLatency: false);
        _all = Route(withLatency: true);
        // The first render builds the page's fixed text (what is exported, every line up to its value): done here.
        if (!_all.Render().Contains("request_latency_seconds_bucket", StringComparison.Ordinal)
            || !_statisticsOnly.Render().Contains("opensips_core_rcv_requests ", StringComparison.Ordinal))
            throw new InvalidOperationException("the page is not what the benchmark means to measure");
    }

    private static PrometheusRoute Route(bool withLatency)
    {
        var catalog = new ModuleCatalog();
        catalog.CompileText("loadmodule \"httpd.so\"\nloadmodule \"prometheus.so\"\nmodparam(\"prometheus\", \"statistics\", \"all\")\n"
            + "modparam(\"prometheus\", \"group_mode\", 1)\nroute { exit; }\n", "metrics.cfg");
        var counters = new ProxyCounters[Workers];
        var busy = new long[Workers];
        var random = new Random(17);
        for (int w = 0; w < Workers; w++)
        {
            counters[w].RequestsReceived = random.Next();
            counters[w].Replies2xx = random.Next();
            counters[w].TmTransactions = random.Next();
            busy[w] = random.Next(100);
        }

        var registry = new StatisticsRegistry();
        registry.Register("core", ProxyStatistics.Core(counters, DateTimeOffset.UtcNow));
        registry.Register("sl", ProxyStatistics.Sl(counters));
        registry.Register("tm", ProxyStatistics.Tm(counters));
        registry.Register("shmem", new MemoryStatistics().Shmem());
        var pkmem = new List<Statistic>();
        var load = new List<Statistic> { Statistic.Gauge("load", () => busy[0]), Statistic.Gauge("load1m", () => busy[1]), Statistic.Gauge("load10m", () => busy[2]) };
        for (int w = 0; w < Workers; w++)
        {
            int worker = w;
            pkmem.Add(Statistic.Gauge(w.ToString(CultureInfo.InvariantCulture) + "-allocated_size", () => busy[worker] * 1024));
            load.Add(Statistic.Gauge("load-proc-" + w.ToString(CultureInfo.InvariantCulture), () => busy[worker]));
        }

        registry.Register("pkmem", pkmem);
        registry.Register("load", load);
        registry.Register("net", [.. new[] { "waiting_udp", "datagrams_in", "datagrams_out", "oversized", "receive_errors", "send_errors", "batches" }
            .Select((n, i) => Statistic.SummedCounter(n, () => busy[i] * 1000))]);
        foreach (ModuleDeclaration module in catalog.Exports)
        {
            if (module.Statistics.Count != 0)
                registry.Register(module.Name, module.Statistics);
        }

        registry.Register("dynamic", [.. Enumerable.Range(0, 10).Select(i => Statistic.Counter("script_counter_" + i.ToString(CultureInfo.InvariantCulture)))]);
        registry.Seal(Workers);

        var metrics = new ProxyMetrics(Workers);
        for (int w = 0; w < Workers; w++)
        {
            for (int i = 0; i < 10_000; i++)
                metrics.Latency.Record(w, (long)(1_000 * Math.Exp(random.NextDouble() * 12))); // 1 µs .. 160 ms
        }

        return new PrometheusRoute(registry, catalog.Httpd, withLatency ? metrics.Latency : null);
    }

    [Benchmark(Baseline = true)]
    public int StatisticsOnly() => _statisticsOnly.Render().Length;

    [Benchmark]
    public int WithLatencyHistogram() => _all.Render().Length;
}
