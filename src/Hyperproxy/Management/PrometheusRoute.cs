using System.Globalization;
using System.Text;
using Hyperproxy.Management.Http;
using Hyperproxy.Modules.Httpd;
using Hyperproxy.Proxy.Metrics;
using Hyperproxy.Script.Statistics;

namespace Hyperproxy.Management;

/// <summary>
/// The prometheus module: <c>GET /&lt;root&gt;</c> in the Prometheus text exposition format (0.0.4). Exported are
/// the statistics the <c>statistics</c> parameter names (names, <c>group:</c>, <c>all</c>), each a counter
/// (incremental) or a gauge. Names follow OpenSIPS: <c>prefix</c> + <c>delimiter</c> + name with
/// <c>group_mode</c> 0; with 1 the group (after <c>group_prefix</c>) and a delimiter come before the name
/// (<c>opensips_core_rcv_requests</c>); with 2 the group is a label (<c>group_label</c>). Characters a metric
/// name cannot hold become <c>_</c>. The request latency histogram (group <c>core</c>, name
/// <c>request_latency_seconds</c>) is a Prometheus histogram per worker (label <c>worker</c>), with
/// <see cref="LatencyBounds"/> as its <c>le</c> buckets.
/// </summary>
public sealed class PrometheusRoute(StatisticsRegistry registry, HttpdModule settings, LatencyHistogram? latency = null) : IHttpRoute
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The latency histogram's group and name (selected by <c>all</c>, <c>core:</c> or its own name).</summary>
    public const string LatencyGroup = "core";

    public const string LatencyName = "request_latency_seconds";

    /// <summary>The <c>le</c> bounds (seconds as written, and nanoseconds): every one is an edge of <see cref="LatencyHistogram"/>'s buckets, so the counts are exact.</summary>
    public static readonly (string Text, long Nanoseconds)[] LatencyBounds =
    [
        ("0.000005", 5_000), ("0.00001", 10_000), ("0.000025", 25_000), ("0.00005", 50_000), ("0.0001", 100_000),
        ("0.00025", 250_000), ("0.0005", 500_000), ("0.001", 1_000_000), ("0.0025", 2_500_000), ("0.005", 5_000_000),
        ("0.01", 10_000_000), ("0.025", 25_000_000), ("0.05", 50_000_000), ("0.1", 100_000_000), ("0.25", 250_000_000),
        ("0.5", 500_000_000), ("1", 1_000_000_000), ("2.5", 2_500_000_000), ("5", 5_000_000_000), ("10", 10_000_000_000),
    ];

    private static readonly int[] s_boundBuckets = BoundBuckets();

    public HttpResponse? Handle(HttpRequest request)
    {
        if (request.Method is not ("GET" or "HEAD"))
        {
            var refused = HttpResponse.Text(405, "metrics are read with GET");
            refused.Headers.Add("Allow: GET, HEAD");
            return refused;
        }

        return new HttpResponse(200, ContentType, Encoding.UTF8.GetBytes(Render()));
    }

    /// <summary>The exposition text of the selected statistics, one TYPE line per metric name.</summary>
    public string Render()
    {
        // What is exported and every line's text up to its value are fixed once the registry is sealed: built on
        // the first request, then only the values are read and written.
        Layout layout = _layout ??= BuildLayout();
        var sb = new StringBuilder(Volatile.Read(ref _lastLength) + 1024);
        foreach (Family family in layout.Families)
        {
            sb.Append(family.TypeLine);
            foreach (var (statistic, prefix) in family.Lines)
                sb.Append(prefix).Append(registry.Read(statistic)).Append('\n');
        }

        if (layout.Latency is { } latencyLines && latency is not null)
            RenderLatency(sb, latency, latencyLines);
        Volatile.Write(ref _lastLength, sb.Length);
        return sb.ToString();
    }

    private Layout? _layout;
    private int _lastLength = 4096;

    private sealed record Family(string TypeLine, (Statistic Statistic, string Prefix)[] Lines);

    /// <summary>The histogram's fixed text: its TYPE line and, per worker, each bucket line's, the sum's and the count's text up to the value.</summary>
    private sealed record LatencyLines(string TypeLine, string[][] Buckets, string[] Sums, string[] Counts);

    private sealed record Layout(Family[] Families, LatencyLines? Latency);

    private Layout BuildLayout()
    {
        var chosen = new List<Statistic>();
        var seen = new HashSet<Statistic>();
        bool withLatency = false;
        foreach (string spec in settings.Statistics)
        {
            withLatency |= spec is "all" or LatencyGroup + ":" or LatencyName or LatencyGroup + ":" + LatencyName;
            foreach (Statistic s in registry.Select(spec))
            {
                if (seen.Add(s))
                    chosen.Add(s);
            }
        }

        var byName = new Dictionary<string, List<Statistic>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (Statistic s in chosen)
        {
            string name = MetricName(s);
            if (!byName.TryGetValue(name, out var list))
            {
                byName[name] = list = [];
                order.Add(name);
            }

            list.Add(s);
        }

        var families = new List<Family>(order.Count);
        foreach (string name in order)
        {
            List<Statistic> list = byName[name];
            var lines = new (Statistic, string)[list.Count];
            for (int i = 0; i < lines.Length; i++)
            {
                Statistic s = list[i];
                string labels = settings.GroupMode == 2
                    ? "{" + Sanitise(settings.GroupLabel) + "=\"" + Escape(settings.GroupPrefix + s.Group) + "\"}"
                    : string.Empty;
                lines[i] = (s, name + labels + " ");
            }

            families.Add(new Family("# TYPE " + name + (list[0].Kind == StatisticKind.Counter ? " counter\n" : " gauge\n"), lines));
        }

        return new Layout([.. families], withLatency && latency is not null ? BuildLatencyLines(latency.Workers) : null);
    }

    private LatencyLines BuildLatencyLines(int workers)
    {
        string name = MetricName(LatencyGroup, LatencyName);
        string group = settings.GroupMode == 2
            ? Sanitise(settings.GroupLabel) + "=\"" + Escape(settings.GroupPrefix + LatencyGroup) + "\","
            : string.Empty;
        var buckets = new string[workers][];
        var sums = new string[workers];
        var counts = new string[workers];
        for (int w = 0; w < workers; w++)
        {
            string worker = group + "worker=\"" + w.ToString(CultureInfo.InvariantCulture) + "\"";
            buckets[w] = new string[LatencyBounds.Length + 1];
            for (int i = 0; i < LatencyBounds.Length; i++)
                buckets[w][i] = name + "_bucket{" + worker + ",le=\"" + LatencyBounds[i].Text + "\"} ";
            buckets[w][LatencyBounds.Length] = name + "_bucket{" + worker + ",le=\"+Inf\"} ";
            sums[w] = name + "_sum{" + worker + "} ";
            counts[w] = name + "_count{" + worker + "} ";
        }

        return new LatencyLines("# TYPE " + name + " histogram\n", buckets, sums, counts);
    }

    /// <summary>One histogram per worker: cumulative <c>_bucket</c> counts at each bound and <c>+Inf</c>, <c>_sum</c> in seconds, <c>_count</c>.</summary>
    private static void RenderLatency(StringBuilder sb, LatencyHistogram histogram, LatencyLines lines)
    {
        Span<long> buckets = stackalloc long[LatencyHistogram.BucketCount];
        sb.Append(lines.TypeLine);
        for (int w = 0; w < histogram.Workers && w < lines.Sums.Length; w++)
        {
            (long count, long sum) = histogram.Read(buckets, w);
            string[] prefixes = lines.Buckets[w];
            long cumulative = 0;
            int next = 0;
            for (int i = 0; i < LatencyBounds.Length; i++)
            {
                for (; next <= s_boundBuckets[i]; next++)
                    cumulative += buckets[next];
                sb.Append(prefixes[i]).Append(cumulative).Append('\n');
            }

            sb.Append(prefixes[LatencyBounds.Length]).Append(count).Append('\n');
            sb.Append(lines.Sums[w]).Append(sum / 1_000_000_000).Append('.');
            long fraction = sum % 1_000_000_000;
            for (long digit = 100_000_000; digit > 0; digit /= 10)
                sb.Append((char)('0' + (fraction / digit % 10)));
            sb.Append('\n');
            sb.Append(lines.Counts[w]).Append(count).Append('\n');
        }
    }

    private static int[] BoundBuckets()
    {
        var last = new int[LatencyBounds.Length];
        for (int i = 0; i < last.Length; i++)
            last[i] = LatencyHistogram.BucketOf(LatencyBounds[i].Nanoseconds);
        return last;
    }

    private string MetricName(Statistic s) => MetricName(s.Group, s.Name);

    private string MetricName(string group, string name)
    {
        var sb = new StringBuilder();
        if (settings.Prefix.Length != 0)
            sb.Append(settings.Prefix).Append(settings.Delimiter);
        if (settings.GroupMode == 1)
            sb.Append(settings.GroupPrefix).Append(group).Append(settings.Delimiter);
        sb.Append(name);
        return Sanitise(sb.ToString());
    }

    private static string Sanitise(string name)
    {
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            char c = chars[i];
            bool ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':' || (i > 0 && c is >= '0' and <= '9');
            if (!ok)
                chars[i] = '_';
        }

        return new string(chars);
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
