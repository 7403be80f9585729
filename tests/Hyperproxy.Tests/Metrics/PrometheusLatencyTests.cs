using System.Diagnostics;
using Hyperproxy.Management;
using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Proxy.Metrics;
using Hyperproxy.Script.Statistics;
using Hyperproxy.Testing;

namespace Hyperproxy.Tests.Metrics;

/// <summary>
/// The prometheus module's text with the latency histogram: checked against the format's rules
/// (<see cref="PrometheusText"/>) and read back by the official Python client's parser (Debian's
/// python3-prometheus-client).
/// </summary>
public sealed class PrometheusLatencyTests
{
    private const int Workers = 4;

    private static (PrometheusRoute Route, ProxyMetrics Metrics) Route(int groupMode, string statistics = "all")
    {
        var catalog = new ModuleCatalog();
        catalog.CompileText("loadmodule \"httpd.so\"\nloadmodule \"prometheus.so\"\nloadmodule \"tm.so\"\n"
            + $"modparam(\"prometheus\", \"statistics\", \"{statistics}\")\nmodparam(\"prometheus\", \"group_mode\", {groupMode})\nroute {{ exit; }}\n");
        var counters = new ProxyCounters[Workers];
        counters[1].RequestsReceived = 7;
        var registry = new StatisticsRegistry();
        registry.Register("core", ProxyStatistics.Core(counters, DateTimeOffset.UtcNow));
        registry.Register("sl", ProxyStatistics.Sl(counters));
        registry.Register("tm", ProxyStatistics.Tm(counters));
        registry.Register("shmem", new MemoryStatistics().Shmem());
        registry.Seal(Workers);
        var metrics = new ProxyMetrics(Workers);
        return (new PrometheusRoute(registry, catalog.Httpd, metrics.Latency), metrics);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void TheHistogramFollowsTheTextFormatInEveryGroupMode(int groupMode)
    {
        var (route, metrics) = Route(groupMode);
        metrics.Latency.Record(1, 4_000);
        metrics.Latency.Record(1, 8_000);
        metrics.Latency.Record(3, 30_000_000_000); // 30 s: beyond the last bound, only in +Inf
        string text = route.Render();
        List<PrometheusText.Sample> samples = PrometheusText.Parse(text);
        string name = groupMode == 1 ? "opensips_core_request_latency_seconds" : "opensips_request_latency_seconds";
        Assert.Contains($"# TYPE {name} histogram\n", text, StringComparison.Ordinal);
        Assert.Equal(Workers * (PrometheusRoute.LatencyBounds.Length + 1), samples.Count(s => s.Name == name + "_bucket"));
        if (groupMode == 2)
            Assert.All(samples.Where(s => s.Name.StartsWith(name, StringComparison.Ordinal)), s => Assert.Equal("core", s.Labels["group"]));

        double Bucket(string worker, string le) => samples.Single(s => s.Name == name + "_bucket" && s.Labels["worker"] == worker && s.Labels["le"] == le).Value;
        Assert.Equal(1, Bucket("1", "0.000005"));
        Assert.Equal(2, Bucket("1", "0.00001"));
        Assert.Equal(2, Bucket("1", "+Inf"));
        Assert.Equal(0, Bucket("3", "10"));
        Assert.Equal(1, Bucket("3", "+Inf"));
        Assert.Equal(0, Bucket("0", "+Inf"));
        Assert.Contains($"{name}_sum{{{(groupMode == 2 ? "group=\"core\"," : "")}worker=\"1\"}} 0.000012000\n", text, StringComparison.Ordinal);
        Assert.Contains($"{name}_sum{{{(groupMode == 2 ? "group=\"core\"," : "")}worker=\"3\"}} 30.000000000\n", text, StringComparison.Ordinal);
        Assert.Contains(samples, s => s.Name == (groupMode == 1 ? "opensips_core_rcv_requests" : "opensips_rcv_requests") && s.Value == 7);
    }

    [Theory]
    [InlineData("core:", true)]
    [InlineData("core:request_latency_seconds", true)]
    [InlineData("request_latency_seconds", true)]
    [InlineData("sl: tm:", false)]
    public void TheHistogramIsExportedWhenTheStatisticsParameterSelectsIt(string statistics, bool exported)
    {
        var (route, _) = Route(0, statistics);
        Assert.Equal(exported, route.Render().Contains("opensips_request_latency_seconds_bucket", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheOfficialClientParserReadsEveryFamily()
    {
        var (route, metrics) = Route(1);
        metrics.Latency.Record(0, 123_456);
        metrics.Latency.Record(2, 7_000);
        string text = route.Render();
        int families = text.Split('\n').Count(l => l.StartsWith("# TYPE ", StringComparison.Ordinal));

        const string Reader = "import sys\nfrom prometheus_client.parser import text_string_to_metric_families as parse\n"
            + "for f in parse(sys.stdin.read()):\n    print(f.name, f.type, len(f.samples))\n";
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", Reader])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process python = Process.Start(start)!;
        Task<string> output = python.StandardOutput.ReadToEndAsync();
        Task<string> errors = python.StandardError.ReadToEndAsync();
        await python.StandardInput.WriteAsync(text);
        python.StandardInput.Close();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await python.WaitForExitAsync(bound.Token);
        Assert.True(python.ExitCode == 0, await errors);
        string[] lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(families, lines.Length);
        // The parser names a histogram family without a suffix and gives it its buckets, sum and count.
        Assert.Contains($"opensips_core_request_latency_seconds histogram {Workers * (PrometheusRoute.LatencyBounds.Length + 3)}", lines);
        Assert.Contains("opensips_core_rcv_requests counter 1", lines.Select(l => l.Replace("_total", "", StringComparison.Ordinal)));
    }
}
