using System.Text;
using Hyperproxy.Management.Http;
using Hyperproxy.Modules.Httpd;
using Hyperproxy.Script.Statistics;

namespace Hyperproxy.Management;

/// <summary>
/// The prometheus module: <c>GET /&lt;root&gt;</c> in the Prometheus text exposition format (0.0.4). Exported are
/// the statistics the <c>statistics</c> parameter names (names, <c>group:</c>, <c>all</c>), each a counter
/// (incremental) or a gauge. Names follow OpenSIPS: <c>prefix</c> + <c>delimiter</c> + name with
/// <c>group_mode</c> 0; with 1 the group (after <c>group_prefix</c>) and a delimiter come before the name
/// (<c>opensips_core_rcv_requests</c>); with 2 the group is a label (<c>group_label</c>). Characters a metric
/// name cannot hold become <c>_</c>.
/// </summary>
public sealed class PrometheusRoute(StatisticsRegistry registry, HttpdModule settings) : IHttpRoute
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

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
        var chosen = new List<Statistic>();
        var seen = new HashSet<Statistic>();
        foreach (string spec in settings.Statistics)
        {
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

        var sb = new StringBuilder(chosen.Count * 64);
        foreach (string name in order)
        {
            List<Statistic> list = byName[name];
            sb.Append("# TYPE ").Append(name).Append(list[0].Kind == StatisticKind.Counter ? " counter\n" : " gauge\n");
            foreach (Statistic s in list)
            {
                sb.Append(name);
                if (settings.GroupMode == 2)
                    sb.Append('{').Append(Sanitise(settings.GroupLabel)).Append("=\"").Append(Escape(settings.GroupPrefix + s.Group)).Append("\"}");
                sb.Append(' ').Append(registry.Read(s)).Append('\n');
            }
        }

        return sb.ToString();
    }

    private string MetricName(Statistic s)
    {
        var sb = new StringBuilder();
        if (settings.Prefix.Length != 0)
            sb.Append(settings.Prefix).Append(settings.Delimiter);
        if (settings.GroupMode == 1)
            sb.Append(settings.GroupPrefix).Append(s.Group).Append(settings.Delimiter);
        sb.Append(s.Name);
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
