using Hyperproxy.Location;
using Hyperproxy.Location.Faster;
using Hyperproxy.Location.Redis;
using Hyperproxy.Modules;
using Hyperproxy.Modules.CachedbRedis;
using Hyperproxy.Modules.Registrar;
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
    private Modules.Dispatcher.DispatcherProber? _dispatcherProber;
    private Modules.Nathelper.NatPinger? _pinger;
    private Hyperproxy.Management.ManagementServer? _management;
    private Hyperproxy.Management.Tracing.TracerThread? _tracer;

    private ProxyServer(WorkerPool pool, NextHopResolver resolver, ProxyIdentity identity, ProxyCounters[] counters)
    {
        _pool = pool;
        _resolver = resolver;
        Identity = identity;
        _counters = counters;
    }

    public ProxyIdentity Identity { get; }

    /// <summary>Every statistic of this server by group (docs/statistics.md).</summary>
    public Script.Statistics.StatisticsRegistry Statistics { get; private set; } = null!;

    /// <summary>The workers' busy percentages (the load group).</summary>
    public Hyperproxy.Management.LoadMeter Load { get; private set; } = null!;

    /// <summary>The workers' request latency histogram and busiest sources (Prometheus, the dashboard).</summary>
    public Proxy.Metrics.ProxyMetrics Metrics { get; private set; } = null!;

    /// <summary>When the server started (core:timestamp, MI uptime).</summary>
    public DateTimeOffset Started { get; private set; }

    /// <summary>The modules of the running script (their settings: httpd, tracer, ...).</summary>
    public ModuleCatalog Catalog { get; private set; } = null!;

    public CompiledScript Script { get; private set; } = null!;

    /// <summary>The management HTTP server, when the script loads httpd.</summary>
    public Hyperproxy.Management.ManagementServer? ManagementHttp => _management;

    /// <summary>The last traced messages (the dashboard's trace page), when the script loads tracer.</summary>
    public Hyperproxy.Management.Tracing.TraceBuffer? Trace { get; private set; }

    /// <summary>Set by MI <c>shutdown</c>: the host stops the server as on SIGTERM.</summary>
    public ManualResetEventSlim StopRequested { get; } = new();

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
        IReadOnlyList<ListenSpec> sockets = ScriptSetup.Sockets(options, script);
        // Socket indexes: the UDP sockets first (each worker binds its own), then the stream listeners.
        ListenSpec[] listen = [.. sockets.Where(l => l.Transport == TransportProtocol.Udp), .. sockets.Where(l => l.Transport.IsStream())];
        ILocationStore? store = OpenLocationStore(options, script, catalog);
        TransportOptions transport;
        WorkerPool pool;
        try
        {
            transport = new TransportOptions
            {
                Listen = listen.Where(l => l.Transport == TransportProtocol.Udp).Select(l => l.Address).ToArray(),
                Streams = listen.Where(l => l.Transport.IsStream()).Select(l => (l.Transport, l.Address)).ToArray(),
                StreamOptions = TransportSetup.StreamOptions(script, catalog),
                Tls = TransportSetup.Tls(options, script, catalog, listen),
                Workers = options.Workers != 0 ? options.Workers : ScriptWorkers(options, script),
                Cpus = options.Cpus,
                BatchSize = options.Batch,
                // Room beyond a receive batch's replies: tm's 100 Trying and retransmissions, and the parked requests a
                // turn runs again before its new ones (with only one batch of room, a full receive batch left none, and the
                // parked requests — with the store's fetch slots they hold — waited behind every busy turn).
                OutgoingPerReceived = script.Transactions is not null || store is { ReadsCanPark: true } ? 4 : 1,
                PipelinedCommits = PipelinedCommitsAsked,
                Io = options.Io,
                Log = Log.Error,
            };
            pool = new WorkerPool(transport);
        }
        catch
        {
            store?.Dispose();
            throw;
        }

        NextHopResolver? resolver = null;
        ProxyServer? server = null;
        try
        {
            var advertised = new AdvertisedAddress?[listen.Length];
            for (int i = 0; i < advertised.Length; i++)
            {
                advertised[i] = listen[i].Advertised;
            }

            var identity = new ProxyIdentity(pool.LocalAddresses, advertised, ScriptSetup.Aliases(script, pool.LocalAddresses), pool.Protocols);
            resolver = CreateResolver(options, script, identity, pool.LocalAddresses);
            var counters = new ProxyCounters[pool.Workers.Count];
            server = new ProxyServer(pool, resolver, identity, counters) { _store = store };
            var replyStats = new DurableReplyStats[pool.Workers.Count];
            for (int i = 0; i < replyStats.Length; i++)
            {
                replyStats[i] = new DurableReplyStats();
            }

            server._replyStats = replyStats;
            catalog.Registrar.DurableReplies = replyStats;
            server.Started = DateTimeOffset.UtcNow;
            server.Load = new Hyperproxy.Management.LoadMeter(pool.Workers);
            var metrics = new Proxy.Metrics.ProxyMetrics(pool.Workers.Count);
            server.Metrics = metrics;
            var statistics = Hyperproxy.Management.ServerStatistics.Build(counters, pool, catalog, script, server.Started, server.Load);
            server.Statistics = statistics;
            server.Catalog = catalog;
            server.Script = script;
            IReadOnlyList<System.Net.IPEndPoint> hepSockets = ScriptSetup.HepSockets(script);
            catalog.DbText.ReloadLog = static text => Log.Error(text);
            catalog.Pike.MiLog = static (level, text) =>
            {
                if (Log.IsScriptLevelEnabled(level))
                {
                    Log.WriteScript(level, System.Text.Encoding.UTF8.GetBytes(text));
                }
            };
            if (script.Program.IsModuleLoaded(Modules.Tracer.TracerModule.Name))
            {
                server._tracer = new Hyperproxy.Management.Tracing.TracerThread(catalog.Tracer, catalog.Tracer.Start(pool.Workers.Count), hepSockets);
                server.Trace = server._tracer.Buffer;
            }

            // startup_route runs once, with no message, before any worker handles traffic.
            var background = new BackgroundScriptHost(identity, counters, store, replyStats, statistics);
            if (script.HasStartupRoute)
            {
                script.RunStartup(script.CreateContext(background));
            }

            // tm: one hand-off ring per pair of workers, so a reply the kernel gives to another worker reaches the transaction's owner.
            var hub = script.Transactions is not null ? new Proxy.Transactions.TransactionHub(pool.Workers.Count) : null;
            NextHopResolver shared = resolver;
            Modules.Outbound.FlowTable? flows = catalog.Outbound.Enabled ? catalog.Outbound.Flows : null;
            Modules.Nathelper.NatPinger? pinger = server._pinger = StartPinger(script, catalog, store, identity, pool);
            // tm + mi_http: MI t_uac_dlg hands locally originated requests to the workers (docs/tm.md, "Locally originated requests").
            Proxy.Transactions.UacHub? uac = hub is not null && script.Program.IsModuleLoaded(Modules.Httpd.HttpdModule.MiHttpName)
                ? new Proxy.Transactions.UacHub(pool.Workers.Count, identity, catalog.Tracer.Hub) : null;
            catalog.Tm.Uac = uac;
            pool.Start(index => new StatelessProxy(identity, shared, counters, index, script, store, replyStats, statistics, hub: hub, metrics: metrics) { Streams = pool.Streams, NatPinger = pinger, Flows = flows, Uac = uac });
            pinger?.Start();
            ReportSynchronousWorkers(store, pool);
            server._timers = ScriptTimerThread.StartFor(script, background);
            server._dispatcherProber = Modules.Dispatcher.DispatcherProber.StartFor(catalog.Dispatcher, FirstUdpAddress(pool.LocalAddresses));
            server._management = Hyperproxy.Management.ManagementServer.StartFor(server);
            return server;
        }
        catch
        {
            server?._management?.Dispose();
            server?._dispatcherProber?.Dispose();
            server?._pinger?.Dispose();
            server?._tracer?.Dispose();
            pool.Dispose();
            resolver?.Dispose();
            store?.Dispose();
            throw;
        }
    }

    /// <summary>Pipelined commits asked for and available, but a worker could not have them (e.g. pinned to the only CPU
    /// the process may use, leaving none for io_uring's sync threads): it commits synchronously, and the log says why.</summary>
    private static void ReportSynchronousWorkers(ILocationStore? store, WorkerPool pool)
    {
        if (!PipelinedCommitsAsked || store?.Durability != Durability.Sync)
        {
            return;
        }

        int synchronous = 0;
        foreach (Worker worker in pool.Workers)
        {
            synchronous += worker.CommitsPipelined ? 0 : 1;
        }

        if (synchronous > 0)
        {
            Log.Notice($"location store: {synchronous} of {pool.Workers.Count} worker(s) commit synchronously: "
                + (FasterLocationStore.CommitQueueUnavailableReason ?? "the worker's I/O cannot watch the ring"));
        }
    }

    /// <summary>The IP dispatcher's probes leave from: the first listener's (UDP first in the socket order).</summary>
    private static System.Net.IPAddress FirstUdpAddress(IReadOnlyList<NetAddress> addresses) =>
        addresses.Count > 0 ? addresses[0].ToIPEndPoint().Address : System.Net.IPAddress.Loopback;

    /// <summary>
    /// nathelper's pinger when the script loads nathelper with natping_interval &gt; 0: it walks the embedded location
    /// table (a Redis-shared table is refused: every node would ping every contact) and hands its pings to the workers.
    /// </summary>
    private static Modules.Nathelper.NatPinger? StartPinger(CompiledScript script, ModuleCatalog catalog, ILocationStore? store, ProxyIdentity identity, WorkerPool pool)
    {
        Modules.Nathelper.NathelperModule nathelper = catalog.Nathelper;
        if (!script.Program.IsModuleLoaded(Modules.Nathelper.NathelperModule.Name) || nathelper.NatpingInterval <= 0)
        {
            return null;
        }

        if (store is not ILocationListing)
        {
            throw new StartupException("nathelper: natping_interval pings the contacts of the embedded location table; "
                + "with a location table shared on Redis every node would ping every contact, so pinging is not done there: set natping_interval 0");
        }

        var sockets = new Modules.Nathelper.NatPingSocket[identity.SocketCount];
        for (int i = 0; i < sockets.Length; i++)
        {
            sockets[i] = new Modules.Nathelper.NatPingSocket(pool.Protocols[i] == TransportProtocol.Udp, identity.Bound(i).Family,
                identity.AdvertisedHost(i).ToArray(), identity.AdvertisedPort(i));
        }

        RegistrarModule registrar = catalog.Registrar;
        nathelper.Log = Log.Notice;
        var pinger = new Modules.Nathelper.NatPinger(nathelper, store, sockets, pool.Workers.Count, () => registrar.Clock.UnixSeconds);
        nathelper.Pinger = pinger;
        Log.Notice($"nathelper: pinging {(nathelper.PingNatedOnly ? "NAT'ed " : "")}contacts every {nathelper.NatpingInterval} s, spread over the interval");
        return pinger;
    }

    /// <summary>HYPERPROXY_WAL_PIPELINE=1: pipelined WAL commits for unpinned workers (<see cref="TransportOptions.PipelinedCommits"/>).</summary>
    private static bool PipelinedCommitsAsked { get; } = Environment.GetEnvironmentVariable("HYPERPROXY_WAL_PIPELINE") == "1";

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

        if (OpenSharedStore(options, script, catalog) is { } shared)
        {
            return shared;
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException)
        {
            throw new StartupException($"location store in {directory}: {e.Message}", e);
        }

        catalog.Registrar.UseStore(store);
        string early = durability != Durability.Sync ? string.Empty
            : walBytes == 0 ? ", checkpoints on the timer only" : $", early checkpoint after {ByteSize.Format(walBytes)} of WAL";
        if (durability == Durability.Sync)
        {
            // Pipelined commits (io_uring) are experimental and asked for explicitly. Each worker makes its ring on its own
            // (pinned) thread; one that cannot pipeline (no io_uring, no CPU for its sync threads) says so once started.
            using ICommitQueue? probe = store.NewCommitQueue();
            early += !PipelinedCommitsAsked ? ", synchronous commits (pipelined ones: HYPERPROXY_WAL_PIPELINE=1, experimental)"
                : probe is not null ? ", pipelined commits (io_uring)"
                : $", synchronous commits ({FasterLocationStore.CommitQueueUnavailableReason ?? "io_uring unavailable"})";
        }

        Log.Notice($"{store.Recovery} [durability {durability.ToString().ToLowerInvariant()}"
            + (durability == Durability.None ? "]" : $", data in {directory}{early}]"));
        return store;
    }

    /// <summary>
    /// The location table on a Redis server when <c>--location-store redis://...</c> or usrloc's
    /// <c>cluster_mode "full-sharing-cachedb"</c> says so (null: the embedded store). The script must then load
    /// cachedb_redis and give <c>cachedb_url</c>; durability settings belong to the Redis server and are refused.
    /// </summary>
    private static RedisLocationStore? OpenSharedStore(ServerOptions options, CompiledScript script, ModuleCatalog catalog)
    {
        RegistrarModule registrar = catalog.Registrar;
        bool scriptShared = registrar.ClusterMode == RegistrarModule.FullSharingCachedb;
        if (options.LocationStore == "faster" || (options.LocationStore is null && !scriptShared))
        {
            if (options.LocationStore is null && registrar.CachedbUrl is not null)
            {
                throw new StartupException("usrloc: cachedb_url is set but cluster_mode is \"" + registrar.ClusterMode
                    + "\"; set modparam(\"usrloc\", \"cluster_mode\", \"" + RegistrarModule.FullSharingCachedb + "\") to keep the location table there");
            }

            return null;
        }

        string? text = options.LocationStore ?? registrar.CachedbUrl;
        if (text is null)
        {
            throw new StartupException("usrloc: cluster_mode \"" + RegistrarModule.FullSharingCachedb
                + "\" needs modparam(\"usrloc\", \"cachedb_url\", \"redis://HOST:PORT/\") (or --location-store redis://HOST:PORT/)");
        }

        if (options.LocationStore is null && !script.Program.IsModuleLoaded(CachedbRedisModule.Name))
        {
            throw new StartupException("usrloc: cachedb_url \"" + text + "\" needs loadmodule \"cachedb_redis.so\"");
        }

        if (options.CheckpointWalBytes is not null || registrar.ConfiguredCheckpointWalBytes is not null)
        {
            throw new StartupException("usrloc: checkpoint_wal_size applies to the embedded store; with a Redis location "
                + "store what a crash loses is the Redis server's own persistence (appendonly); remove it");
        }

        // durability sync: each write waits for a replica (WAIT) before its 200 OK; none (or not given): for the primary.
        Durability? durability = options.Durability ?? registrar.ConfiguredDurability;
        if (durability == Durability.Checkpoint)
        {
            throw new StartupException("usrloc: durability checkpoint applies to the embedded store; with a Redis location store use "
                + "sync (every 200 OK waits until a replica has the binding: WAIT) or none (a 200 OK once the primary has it)");
        }

        if (!RedisLocationUrl.TryParse(text, out RedisLocationUrl? url, out string error))
        {
            throw new StartupException("usrloc: cachedb_url " + error);
        }

        RedisLocationStore store;
        try
        {
            store = RedisLocationStore.Open(new RedisLocationOptions
            {
                Url = url!,
                ConnectTimeout = catalog.CachedbRedis.ConnectTimeout,
                QueryTimeout = catalog.CachedbRedis.QueryTimeout,
                WaitForReplica = durability == Durability.Sync,
                Log = Log.Error,
            });
        }
        catch (Exception e) when (e is ArgumentException or StackExchange.Redis.RedisException)
        {
            throw new StartupException($"location store {url!.Describe()}: {e.Message}", e);
        }

        registrar.UseStore(store);
        registrar.StoreRetryAfter = RegistrarModule.DefaultStoreRetryAfter;
        Log.Notice($"location store: redis {url!.Describe()} ({(store.IsConnected ? "connected" : "not reachable yet, retrying")}); "
            + "bindings expire in the server, shared by every node with this URL"
            + (durability == Durability.Sync ? "; durability sync: every 200 OK waits until a replica has the binding (WAIT)" : ""));
        return store;
    }

    /// <summary>The script's <c>log_level</c>/<c>debug</c> (OpenSIPS's numbers) when <c>--log-level</c> was not given.</summary>
    /// <summary>
    /// RFC 3263 next-hop resolution with our DNS client: <c>--dns-server</c>, else /etc/resolv.conf's nameservers; the
    /// core's <c>dns_try_naptr</c>; AAAA when <c>dns_try_ipv6</c> or a socket is IPv6; /etc/hosts first for A/AAAA.
    /// </summary>
    private static NextHopResolver CreateResolver(ServerOptions options, CompiledScript script, ProxyIdentity identity, IReadOnlyList<Sip.NetAddress> local)
    {
        var settings = script.Program.Settings;
        Proxy.Dns.DnsClient dns = options.DnsServers.Count > 0
            ? new Proxy.Dns.DnsClient(options.DnsServers, TimeSpan.FromSeconds(2), 2)
            : Proxy.Dns.DnsClient.FromResolvConf();
        bool ipv6 = settings.DnsTryIpv6;
        foreach (Sip.NetAddress address in local)
        {
            ipv6 |= address.Family == Sip.NetAddressFamily.IPv6;
        }

        var locator = new Proxy.Dns.SipLocator(dns, settings.DnsTryNaptr, ipv6, identity.Serves) { Hosts = Proxy.Dns.SipLocator.ReadHosts() };
        return new NextHopResolver(locator);
    }

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
            sum.RequestsParked += Volatile.Read(ref c.RequestsParked);
            sum.RequestsResumed += Volatile.Read(ref c.RequestsResumed);
            sum.ParkingFull += Volatile.Read(ref c.ParkingFull);
            sum.StoreWakes += Volatile.Read(ref c.StoreWakes);
            sum.StunAnswered += Volatile.Read(ref c.StunAnswered);
            sum.NatPingsSent += Volatile.Read(ref c.NatPingsSent);
            sum.NatPingReplies += Volatile.Read(ref c.NatPingReplies);
            sum.FlowsFailed += Volatile.Read(ref c.FlowsFailed);
            sum.FlowRetries += Volatile.Read(ref c.FlowRetries);
            sum.TmOverloadRejected += Volatile.Read(ref c.TmOverloadRejected);
            sum.TmOverloadEpisodes += Volatile.Read(ref c.TmOverloadEpisodes);
            sum.TmShedChanges += Volatile.Read(ref c.TmShedChanges);
            sum.KernelDrops += Volatile.Read(ref c.KernelDrops);
        }

        return sum;
    }

    public TransportCounters ReadTransportCounters() => _pool.ReadCounters();

    /// <summary>The TCP/TLS counters, or null when no stream socket is served.</summary>
    public Transport.Streams.StreamCounters? ReadStreamCounters() => _pool.Streams?.ReadCounters();

    /// <summary>The TCP/TLS connections, or null when no stream socket is served.</summary>
    public Transport.Streams.StreamTransport? Streams => _pool.Streams;

    /// <summary>One line for logs and the "ready" line: sockets, workers, CPUs, I/O.</summary>
    public string Describe()
    {
        WorkerPool pool = _pool;
        string sockets = string.Join(" ", _pool.LocalAddresses.Select((a, i) =>
            pool.Protocols[i].Name() + ":" + a + (Identity.AdvertisedHost(i).SequenceEqual(System.Text.Encoding.ASCII.GetBytes(a.HostToString())) && Identity.AdvertisedPort(i) == a.Port
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
            + $"datagram faults {c.DatagramFaults}, batch faults {t.HandlerFaults}"
            + (t.GatherExpected + t.GatherQuiet + t.GatherBound == 0 ? ""
                : $"; commits gathered {t.GatherExpected + t.GatherQuiet + t.GatherBound} (ended with the expected arrivals in hand "
                    + $"{t.GatherExpected}, on a quiet gap {t.GatherQuiet}, on a bound {t.GatherBound})")
            + (c.RequestsParked == 0 && c.ParkingFull == 0 ? "" : $"; parked for the location store {c.RequestsParked}, run again {c.RequestsResumed}, parking full {c.ParkingFull}"
                + $", workers woken by the store's answers {c.StoreWakes}")
            + (c.NatPingsSent == 0 && c.NatPingReplies == 0 && c.StunAnswered == 0 ? ""
                : $"; nat pings sent {c.NatPingsSent}, ping replies absorbed {c.NatPingReplies}, stun answered {c.StunAnswered}")
            + (c.FlowsFailed == 0 && c.FlowRetries == 0 ? "" : $"; flows failed {c.FlowsFailed}, flow retries {c.FlowRetries}")
            + (c.TmOverloadRejected == 0 && c.TmShedChanges == 0 ? ""
                : $"; overload: INVITEs refused {c.TmOverloadRejected}, episodes {c.TmOverloadEpisodes}, shed changes {c.TmShedChanges}, kernel drops {c.KernelDrops}");

    public void Dispose()
    {
        ProxyCounters c = ReadCounters();
        _management?.Dispose();
        _timers?.Dispose();
        _dispatcherProber?.Dispose();
        _pinger?.Dispose();
        _pool.Stop();
        _tracer?.Dispose();
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
        if (ReadStreamCounters() is { } streams)
        {
            Log.Notice("streams: " + streams);
        }
    }
}
