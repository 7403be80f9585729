using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperproxy.Hosting;
using Hyperproxy.Management.Http;
using Hyperproxy.Script.Statistics;

namespace Hyperproxy.Management;

/// <summary>
/// The live dashboard served by httpd (in the spirit of OpenSIPS-CP's statistics and SIPTRACE pages): <c>/</c>
/// is one self-contained page (no build step, no script from the network), <c>/dashboard/snapshot</c> the
/// figures as JSON, <c>/dashboard/events</c> the same every second as server-sent events, and
/// <c>/dashboard/trace</c> the traced messages (<see cref="TraceBuffer"/>) after a sequence number.
/// </summary>
public static class Dashboard
{
    public static void Map(HttpServer http, ProxyServer server)
    {
        var latency = new LatencyWindow(server.Metrics.Latency);
        http.Map("/", new PageRoute());
        http.Map("/dashboard/snapshot", new SnapshotRoute(server, latency));
        http.Map("/dashboard/events", new EventsRoute(server, latency));
        http.Map("/dashboard/trace", new TraceRoute(server));
    }

    /// <summary>How many of the busiest sources the page shows.</summary>
    public const int TopSourceRows = 10;

    /// <summary>
    /// Every statistic by full name; per worker: datagrams in/out and busy %; the request latency percentiles
    /// (<see cref="LatencyWindow"/>, when given); the busiest sources (messages since the start, estimated by
    /// the workers' space-saving counters, with the possible over-count).
    /// </summary>
    public static JsonObject Snapshot(ProxyServer server, LatencyWindow? latency = null)
    {
        StatisticsRegistry stats = server.Statistics;
        var values = new JsonObject();
        foreach (Statistic s in stats.All)
            values[s.FullName] = stats.Read(s);
        var workers = new JsonArray();
        for (int w = 0; w < server.Workers.Count; w++)
        {
            var c = server.Workers[w].Counters;
            workers.Add(new JsonObject { ["id"] = w, ["in"] = c.Received, ["out"] = c.Sent, ["busy"] = server.Load.Percent(1, w) });
        }

        return new JsonObject
        {
            ["time"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["uptime"] = (long)(DateTimeOffset.UtcNow - server.Started).TotalSeconds,
            ["statistics"] = values,
            ["workers"] = workers,
            ["latency"] = latency?.Snapshot(),
            ["sources"] = Sources(server),
            ["trace"] = server.Trace is { } t ? new JsonObject { ["on"] = t.Enabled, ["last"] = t.LastSequence, ["dropped"] = t.Dropped } : null,
        };
    }

    private static JsonArray Sources(ProxyServer server)
    {
        var rows = new JsonArray();
        foreach (var (host, count, error) in Proxy.Metrics.TopSources.Merge(server.Metrics.Sources, TopSourceRows))
            rows.Add(new JsonObject { ["host"] = host.HostToString(), ["count"] = count, ["error"] = error });
        return rows;
    }

    private sealed class PageRoute : IHttpRoute
    {
        private static readonly byte[] s_page = LoadPage();

        public HttpResponse? Handle(HttpRequest request) =>
            request.Method is "GET" or "HEAD" ? new HttpResponse(200, "text/html; charset=utf-8", s_page) : HttpResponse.Text(405, "the dashboard is read with GET");

        private static byte[] LoadPage()
        {
            using Stream s = typeof(Dashboard).Assembly.GetManifestResourceStream("Hyperproxy.Management.dashboard.html")
                ?? throw new InvalidOperationException("dashboard.html is not embedded");
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            return ms.ToArray();
        }
    }

    private sealed class SnapshotRoute(ProxyServer server, LatencyWindow latency) : IHttpRoute
    {
        public HttpResponse? Handle(HttpRequest request) => HttpResponse.Json(200, JsonSerializer.SerializeToUtf8Bytes(Snapshot(server, latency)));
    }

    private sealed class TraceRoute(ProxyServer server) : IHttpRoute
    {
        public HttpResponse? Handle(HttpRequest request)
        {
            long after = 0;
            foreach (string pair in request.Query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                if (pair.StartsWith("after=", StringComparison.Ordinal))
                    _ = long.TryParse(pair.AsSpan(6), out after);
            }

            JsonArray list = server.Trace?.Since(after) ?? [];
            return HttpResponse.Json(200, JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["messages"] = list }));
        }
    }

    /// <summary>Server-sent events: a <c>snapshot</c> event every second until the client leaves or the server stops.</summary>
    private sealed class EventsRoute(ProxyServer server, LatencyWindow latency) : IHttpRoute
    {
        private static int s_streams;

        public HttpResponse? Handle(HttpRequest request) =>
            Volatile.Read(ref s_streams) >= 8 ? HttpResponse.Text(503, "too many dashboards open at once") : null;

        public void Stream(HttpRequest request, NetworkStream connection, CancellationToken stop)
        {
            Interlocked.Increment(ref s_streams);
            try
            {
                connection.Write(HttpServer.Head(200, "text/event-stream", null));
                while (!stop.IsCancellationRequested)
                {
                    byte[] data = Encoding.UTF8.GetBytes("event: snapshot\ndata: " + Snapshot(server, latency).ToJsonString() + "\n\n");
                    connection.Write(data);
                    connection.Flush();
                    stop.WaitHandle.WaitOne(1000);
                }
            }
            finally
            {
                Interlocked.Decrement(ref s_streams);
            }
        }
    }
}
