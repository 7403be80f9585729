using Hyperproxy.Location;
using Hyperproxy.Location.Faster;
using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Hosting;

/// <summary>
/// A running proxy: the worker pool bound to every listen address, one <see cref="StatelessProxy"/>
/// per worker, the shared resolver. <see cref="Dispose"/> stops the workers and closes the sockets.
/// </summary>
public sealed class ProxyServer : IDisposable
{
    private readonly WorkerPool _pool;
    private readonly NextHopResolver _resolver;
    private readonly ProxyCounters[] _counters;
    private ILocationStore? _store;
    private DurableReplyStats[] _replyStats = [];
    private ScriptTimerThread? _timers;

    private ProxyServer(WorkerPool pool, NextHopResolver resolver, ProxyIdentity identity, ProxyCounters[] counters)
    {
        _pool = pool;
        _resolver = resolver;
        Identity = identity;
        _counters = counters;
    }

    public ProxyIdentity Identity { get; }

    /// <summary>The bound addresses in listen order (ports filled in when 0 was asked for).</summary>
    public IReadOnlyList<NetAddress> LocalAddresses => _pool.LocalAddresses;

    public IReadOnlyList<Worker> Workers => _pool.Workers;

    /// <summary>The location store, when the script loads registrar/usrloc.</summary>
    public ILocationStore? LocationStore => _store;

    /// <summary>The thread running the script's timer_route blocks, or null when it has none.</summary>
    public ScriptTimerThread? Timers => _timers;

    public static ProxyServer Start(ServerOptions options)
    {
        var catalog = new ModuleCatalog { IgnoreMissingModules = options.IgnoreMissingModules };
        CompiledScript script = ScriptSetup.Load(options.ConfigPath, catalog);
        ApplyScriptLogLevel(options, script);
        IReadOnlyList<ListenSpec> listen = ScriptSetup.Sockets(options, script);
        var transport = new TransportOptions
        {
            Listen = listen.Select(l => l.Address).ToArray(),
            Workers = options.Workers != 0 ? options.Workers : ScriptWorkers(options, script),
            Cpus = options.Cpus,
            BatchSize = options.Batch,
            Io = options.Io,
            Log = Log.Error,
        };
        ILocationStore? store = OpenLocationStore(options, script, catalog);
        WorkerPool pool;
        try
        {
            pool = new WorkerPool(transport);
        }
        catch
        {
            store?.Dispose();
            throw;
        }

        NextHopResolver? resolver = null;
        try
        {
            var advertised = new AdvertisedAddress?[listen.Count];
            for (int i = 0; i < advertised.Length; i++)
            {
                advertised[i] = listen[i].Advertised;
            }

            var identity = new ProxyIdentity(pool.LocalAddresses, advertised, ScriptSetup.Aliases(script, pool.LocalAddresses));
            resolver = new NextHopResolver();
            var counters = new ProxyCounters[pool.Workers.Count];
            var server = new ProxyServer(pool, resolver, identity, counters) { _store = store };
            var replyStats = new DurableReplyStats[pool.Workers.Count];
            for (int i = 0; i < replyStats.Length; i++)
            {
                replyStats[i] = new DurableReplyStats();
            }

            server._replyStats = replyStats;
            // startup_route runs once, with no message, before any worker handles traffic.
            var background = new BackgroundScriptHost(identity, counters, store, replyStats);
            if (script.HasStartupRoute)
            {
                script.RunStartup(script.CreateContext(background));
            }

            // tm: one hand-off ring per pair of workers, so a reply the kernel gives to another worker reaches the transaction's owner.
            var hub = script.Transactions is not null ? new Proxy.Transactions.TransactionHub(pool.Workers.Count) : null;
            pool.Start(index => new StatelessProxy(identity, server._resolver, counters, index, script, store, replyStats, hub: hub));
            server._timers = ScriptTimerThread.StartFor(script, background);
            return server;
        }
        catch
        {
            pool.Dispose();
            resolver?.Dispose();
            store?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// One location store per server when the script loads registrar or usrloc: durability from
    /// <c>--durability</c>, else usrloc's modparam, else <see cref="ServerOptions.DefaultDurability"/> (the WAL size that starts an early checkpoint
    /// likewise from <c>--checkpoint-wal-size</c>, usrloc's <c>checkpoint_wal_size</c>, 64 MiB); files under
    /// <c>DATA_DIR/location</c>.
    /// Recovery runs here and is logged (AoRs, contacts, time).
    /// </summary>
    private static ILocationStore? OpenLocationStore(ServerOptions options, CompiledScript script, ModuleCatalog catalog)
    {
        if (!script.Program.IsModuleLoaded(Modules.Registrar.RegistrarModule.Name) && !script.Program.IsModuleLoaded(Modules.Registrar.RegistrarModule.UsrlocName))
        {
            return null;
        }

        Durability durability = options.Durability ?? catalog.Registrar.ConfiguredDurability ?? ServerOptions.DefaultDurability;
        long walBytes = options.CheckpointWalBytes ?? catalog.Registrar.ConfiguredCheckpointWalBytes ?? LocationStoreOptions.DefaultCheckpointWalBytes;
        string directory = System.IO.Path.Combine(options.DataDir, "location");
        FasterLocationStore store;
        try
        {
            store = new FasterLocationStore(new LocationStoreOptions
            {
                Durability = durability,
                DataDirectory = durability == Durability.None ? null : directory,
                CheckpointWalBytes = walBytes,
                Log = Log.Error,
                ExpectedAors = catalog.Registrar.ExpectedAors(new LocationStoreOptions().ExpectedAors),
                PurgeInterval = catalog.Registrar.PurgeInterval,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new StartupException($"location store in {directory}: {e.Message}", e);
        }

        catalog.Registrar.UseStore(store);
        string early = durability != Durability.Sync ? string.Empty
            : walBytes == 0 ? ", checkpoints on the timer only" : $", early checkpoint after {ByteSize.Format(walBytes)} of WAL";
        Log.Notice($"{store.Recovery} [durability {durability.ToString().ToLowerInvariant()}"
            + (durability == Durability.None ? "]" : $", data in {directory}{early}]"));
        return store;
    }

    /// <summary>The script's <c>log_level</c>/<c>debug</c> (OpenSIPS's numbers) when <c>--log-level</c> was not given.</summary>
    private static void ApplyScriptLogLevel(ServerOptions options, CompiledScript script)
    {
        var settings = script.Program.Settings;
        if (!options.LogLevelGiven && options.ConfigPath is not null && (settings.Raw.ContainsKey("log_level") || settings.Raw.ContainsKey("debug")))
        {
            Log.Level = Log.FromScriptLevel(settings.LogLevel);
        }
    }

    /// <summary><c>udp_workers</c>/<c>children</c> of an operator's script when <c>--workers</c> was not given; 0 = one per CPU.</summary>
    private static int ScriptWorkers(ServerOptions options, CompiledScript script)
    {
        var settings = script.Program.Settings;
        return options.ConfigPath is not null && (settings.Raw.ContainsKey("udp_workers") || settings.Raw.ContainsKey("children"))
            ? settings.UdpWorkers : 0;
    }

    /// <summary>SIP counters summed over the workers.</summary>
    public ProxyCounters ReadCounters()
    {
        ProxyCounters sum = default;
        for (int i = 0; i < _counters.Length; i++)
        {
            ref ProxyCounters c = ref _counters[i];
            sum.RequestsReceived += Volatile.Read(ref c.RequestsReceived);
            sum.RepliesReceived += Volatile.Read(ref c.RepliesReceived);
            sum.RequestsForwarded += Volatile.Read(ref c.RequestsForwarded);
            sum.RepliesForwarded += Volatile.Read(ref c.RepliesForwarded);
            sum.LocalReplies += Volatile.Read(ref c.LocalReplies);
            sum.BadRequests += Volatile.Read(ref c.BadRequests);
            sum.BadReplies += Volatile.Read(ref c.BadReplies);
            sum.Garbage += Volatile.Read(ref c.Garbage);
            sum.RepliesNotForUs += Volatile.Read(ref c.RepliesNotForUs);
            sum.RepliesWithoutNextVia += Volatile.Read(ref c.RepliesWithoutNextVia);
            sum.TooManyHops += Volatile.Read(ref c.TooManyHops);
            sum.LoopsDetected += Volatile.Read(ref c.LoopsDetected);
            sum.AcksAbsorbed += Volatile.Read(ref c.AcksAbsorbed);
            sum.UnresolvedDrops += Volatile.Read(ref c.UnresolvedDrops);
            sum.NoRouteReplies += Volatile.Read(ref c.NoRouteReplies);
            sum.OutputFull += Volatile.Read(ref c.OutputFull);
            sum.RepliesDropped += Volatile.Read(ref c.RepliesDropped);
            sum.DatagramFaults += Volatile.Read(ref c.DatagramFaults);
        }

        return sum;
    }

    public TransportCounters ReadTransportCounters() => _pool.ReadCounters();

    /// <summary>One line for logs and the "ready" line: sockets, workers, CPUs, I/O.</summary>
    public string Describe()
    {
        string sockets = string.Join(" ", _pool.LocalAddresses.Select((a, i) =>
            "udp:" + a + (Identity.AdvertisedHost(i).SequenceEqual(System.Text.Encoding.ASCII.GetBytes(a.HostToString())) && Identity.AdvertisedPort(i) == a.Port
                ? "" : " as " + System.Text.Encoding.ASCII.GetString(Identity.AdvertisedHost(i)) + ":" + Identity.AdvertisedPort(i))));
        string cpus = string.Join(",", _pool.Workers.Select(w => w.Cpu < 0 ? "-" : w.Cpu.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return $"listening on {sockets}; {_pool.Workers.Count} worker(s), cpus [{cpus}], io {_pool.IoKind}";
    }

    /// <summary>The counters line (SIP counters summed over the workers, then the transport's): SIGUSR1 and the stop log it.</summary>
    public string DescribeCounters() => DescribeCounters(ReadCounters(), _pool.ReadCounters());

    private static string DescribeCounters(ProxyCounters c, TransportCounters t) =>
        $"counters: requests {c.RequestsReceived}, replies {c.RepliesReceived}, forwarded {c.RequestsForwarded}/{c.RepliesForwarded}, "
            + $"local replies {c.LocalReplies}, bad {c.BadRequests}/{c.BadReplies}, garbage {c.Garbage}; "
            + $"483 {c.TooManyHops}, 482 {c.LoopsDetected}, acks absorbed {c.AcksAbsorbed}, unresolved drops {c.UnresolvedDrops}, "
            + $"no-route replies {c.NoRouteReplies}, replies not for us {c.RepliesNotForUs}, without next Via {c.RepliesWithoutNextVia}, "
            + $"replies dropped {c.RepliesDropped}, output full {c.OutputFull}; "
            + $"datagrams in {t.Received}, out {t.Sent}, oversized {t.Truncated}, receive errors {t.ReceiveErrors}, send errors {t.SendErrors}, "
            + $"datagram faults {c.DatagramFaults}, batch faults {t.HandlerFaults}";

    public void Dispose()
    {
        ProxyCounters c = ReadCounters();
        _timers?.Dispose();
        _pool.Stop();
        _resolver.Dispose();
        if (_store is not null)
        {
            string? durability = LocationStatistics.Describe(_store, _replyStats);
            if (durability is not null)
            {
                Log.Notice(durability);
            }

            _store.Dispose(); // the workers are stopped: final checkpoint, files closed
            Log.Notice("location store closed");
        }

        Log.Notice(DescribeCounters(c, _pool.ReadCounters()));
    }
}
