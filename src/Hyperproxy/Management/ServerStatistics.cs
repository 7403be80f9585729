using System.Globalization;
using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Statistics;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Management;

/// <summary>
/// Builds a server's <see cref="StatisticsRegistry"/> at start-up (docs/statistics.md): the core's groups
/// (<c>core</c>, <c>sl</c>, <c>tm</c> when the script loads tm, <c>shmem</c>, <c>pkmem</c>, <c>load</c>, <c>net</c>), then every loaded module's export-table
/// statistics under the module's name, then the statistics module's script-declared ones, and seals it for the
/// worker count.
/// </summary>
public static class ServerStatistics
{
    public static StatisticsRegistry Build(ProxyCounters[] counters, WorkerPool pool, ModuleCatalog catalog, CompiledScript script,
        DateTimeOffset started, LoadMeter load)
    {
        var registry = new StatisticsRegistry();
        registry.Register("core", ProxyStatistics.Core(counters, started));
        registry.Register("sl", ProxyStatistics.Sl(counters));
        if (script.Transactions is not null)
            registry.Register("tm", ProxyStatistics.Tm(counters));
        registry.Register("shmem", new MemoryStatistics().Shmem());
        registry.Register("pkmem", MemoryStatistics.Pkmem(pool.Workers));
        registry.Register("load", Load(load, pool.Workers.Count));
        registry.Register("net", Net(pool));
        foreach (var module in catalog.Exports)
        {
            if (module.Statistics.Count != 0 && script.Program.IsModuleLoaded(module.Name))
                registry.Register(module.Name, module.Statistics);
        }

        foreach (var (group, stat) in catalog.Statistics.Declared)
            registry.Register(group, [stat]);
        registry.Seal(pool.Workers.Count);
        return registry;
    }

    private static Statistic[] Load(LoadMeter load, int workers)
    {
        var rows = new List<Statistic>
        {
            Statistic.Gauge("load", () => load.Percent(1)),
            Statistic.Gauge("load1m", () => load.Percent(60)),
            Statistic.Gauge("load10m", () => load.Percent(600)),
        };
        for (int w = 0; w < workers; w++)
        {
            int worker = w;
            rows.Add(Statistic.Gauge("load-proc-" + w.ToString(CultureInfo.InvariantCulture), () => load.Percent(1, worker)));
        }

        return [.. rows];
    }

    /// <summary><c>waiting_udp</c> (bytes queued in our sockets' receive buffers, from /proc/net/udp*) and the transport's counters.</summary>
    private static Statistic[] Net(WorkerPool pool)
    {
        var ports = new HashSet<int>();
        foreach (NetAddress a in pool.LocalAddresses)
            ports.Add(a.Port);
        return
        [
            Statistic.Gauge("waiting_udp", () => WaitingUdp(ports)),
            Statistic.SummedCounter("datagrams_in", () => pool.ReadCounters().Received),
            Statistic.SummedCounter("datagrams_out", () => pool.ReadCounters().Sent),
            Statistic.SummedCounter("oversized", () => pool.ReadCounters().Truncated),
            Statistic.SummedCounter("receive_errors", () => pool.ReadCounters().ReceiveErrors),
            Statistic.SummedCounter("send_errors", () => pool.ReadCounters().SendErrors),
            Statistic.SummedCounter("batches", () => pool.ReadCounters().Batches),
            Statistic.SummedCounter("handler_faults", () => pool.ReadCounters().HandlerFaults),
        ];
    }

    /// <summary>Sum of rx_queue over the /proc/net/udp and udp6 rows bound to one of <paramref name="ports"/>; 0 where there is no /proc.</summary>
    internal static long WaitingUdp(HashSet<int> ports)
    {
        long sum = 0;
        foreach (string file in (string[])["/proc/net/udp", "/proc/net/udp6"])
        {
            if (!File.Exists(file))
                continue;
            foreach (string line in File.ReadLines(file).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue ...
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 5)
                    continue;
                int colon = f[1].LastIndexOf(':');
                int colon2 = f[4].IndexOf(':');
                if (colon < 0 || colon2 < 0
                    || !int.TryParse(f[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int port)
                    || !ports.Contains(port)
                    || !long.TryParse(f[4].AsSpan(colon2 + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long rx))
                    continue;
                sum += rx;
            }
        }

        return sum;
    }
}
