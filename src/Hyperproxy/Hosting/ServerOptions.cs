using Hyperproxy.Transport;

namespace Hyperproxy.Hosting;

/// <summary>
/// Everything <c>hyperproxy run</c> was told, validated: each bad value becomes a
/// <see cref="StartupException"/> that names the flag and says why.
/// </summary>
public sealed record ServerOptions
{
    public const int DefaultBatch = 64;
    public const string DefaultListen = "udp:127.0.0.1:5060";

    /// <summary>
    /// The location store's durability when neither <c>--durability</c> nor usrloc's modparam says: checkpoint, so a
    /// registrar restarted (or crashed) keeps its bindings, less at most the last second, in <c>DATA_DIR/location</c>;
    /// a fold-over checkpoint a second costs the workers nothing. (OpenSIPS's default, db_mode 0, is memory only.)
    /// </summary>
    public const Hyperproxy.Location.Durability DefaultDurability = Hyperproxy.Location.Durability.Checkpoint;

    /// <summary><see cref="DefaultDurability"/> as <c>--durability</c> spells it.</summary>
    public const string DefaultDurabilityName = "checkpoint";

    public required IReadOnlyList<ListenSpec> Listen { get; init; }

    /// <summary>Worker count; 0 = one per CPU in <see cref="Cpus"/>, else one per available CPU.</summary>
    public int Workers { get; init; }

    /// <summary>CPUs to pin the workers to (null: no pinning).</summary>
    public IReadOnlyList<int>? Cpus { get; init; }

    public int Batch { get; init; } = DefaultBatch;

    public string? ConfigPath { get; init; }

    /// <summary>True when <c>--listen</c> was given (it then wins over the script's <c>socket=</c> lines).</summary>
    public bool ListenGiven { get; init; }

    public string DataDir { get; init; } = "data";

    /// <summary><c>--durability</c> of the location store (none|checkpoint|sync); null: the usrloc modparam, else <see cref="DefaultDurability"/>.</summary>
    public Hyperproxy.Location.Durability? Durability { get; init; }

    /// <summary><c>--checkpoint-wal-size</c> in bytes (sync durability: checkpoint early after this much WAL; 0 = timer
    /// only); null: usrloc's <c>checkpoint_wal_size</c> modparam, else 64 MiB.</summary>
    public long? CheckpointWalBytes { get; init; }

    /// <summary><c>--location-store</c>: a cachedb_redis URL (the table on a Redis server, as usrloc's
    /// <c>cluster_mode "full-sharing-cachedb"</c> with that <c>cachedb_url</c>), "faster" (the embedded store
    /// whatever the script says), or null: the script decides.</summary>
    public string? LocationStore { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Notice;

    /// <summary>True when <c>--log-level</c> was given (it then wins over the script's <c>log_level</c>).</summary>
    public bool LogLevelGiven { get; init; }

    /// <summary><c>--ignore-missing-modules</c>: a loadmodule of a module that is not built in is one warning, not a start-up error.</summary>
    public bool IgnoreMissingModules { get; init; }

    /// <summary><c>--tls-cert</c>: PEM certificate of the tls: sockets (with <see cref="TlsKey"/>), when tls_mgm has no server domain.</summary>
    public string? TlsCertificate { get; init; }

    /// <summary><c>--tls-key</c>: PEM private key of <see cref="TlsCertificate"/>.</summary>
    public string? TlsKey { get; init; }

    /// <summary><c>--dns-server</c>: the nameservers asked (IP[:PORT]); empty: those of /etc/resolv.conf.</summary>
    public IReadOnlyList<System.Net.IPEndPoint> DnsServers { get; init; } = [];

    /// <summary>Which batch I/O the workers use (tests force the portable one).</summary>
    public BatchIoKind Io { get; init; } = BatchIoKind.Auto;

    public static ServerOptions From(
        IReadOnlyList<string> listen,
        string? advertise,
        int? workers,
        string? cpus,
        int batch,
        string? configPath,
        string dataDir,
        string? logLevel,
        string? durability = null,
        string? checkpointWalSize = null,
        bool ignoreMissingModules = false,
        string? locationStore = null)
    {
        if (locationStore is not null && locationStore != "faster"
            && !Hyperproxy.Location.Redis.RedisLocationUrl.TryParse(locationStore, out _, out string storeError))
        {
            throw StartupException.Usage(FlagError("--location-store", locationStore, storeError + "; or use faster (the embedded store)"));
        }

        Hyperproxy.Location.Durability? mode = null;
        if (durability is not null)
        {
            mode = Modules.Registrar.RegistrarModule.ParseDurability(durability)
                ?? throw StartupException.Usage($"--durability '{durability}': not a mode; use none, checkpoint or sync");
        }

        long? walBytes = null;
        if (checkpointWalSize is not null)
        {
            if (!Hyperproxy.Location.LocationStoreOptions.TryParseCheckpointWalBytes(checkpointWalSize, out long parsed, out string walError))
            {
                throw StartupException.Usage(FlagError("--checkpoint-wal-size", checkpointWalSize, walError));
            }

            walBytes = parsed;
        }

        var specs = new List<ListenSpec>();
        IReadOnlyList<string> values = listen.Count > 0 ? listen : [DefaultListen];
        foreach (string value in values)
        {
            specs.Add(ParseListen(value, advertise));
        }

        int[]? cpuList = null;
        if (cpus is not null)
        {
            if (!CpuList.TryParse(cpus, out cpuList, out string? cpuError))
            {
                throw StartupException.Usage(cpuError); // names the flag and the value itself
            }
        }

        LogLevel level = LogLevel.Notice;
        if (logLevel is not null && !Log.TryParseLevel(logLevel, out level))
        {
            throw StartupException.Usage($"--log-level '{logLevel}': not a level; use {Log.LevelsHelp}");
        }

        return new ServerOptions
        {
            Listen = specs,
            ListenGiven = listen.Count > 0,
            Workers = workers ?? 0,
            Cpus = cpuList,
            Batch = batch,
            ConfigPath = configPath,
            DataDir = dataDir,
            LogLevel = level,
            LogLevelGiven = logLevel is not null,
            Durability = mode,
            CheckpointWalBytes = walBytes,
            IgnoreMissingModules = ignoreMissingModules,
            LocationStore = locationStore,
        };
    }

    /// <summary>
    /// Parses <c>udp:ADDR:PORT</c> with an optional OpenSIPS-style <c>" as HOST[:PORT]"</c> suffix
    /// (the advertised address); <paramref name="defaultAdvertise"/> applies when there is none.
    /// </summary>
    public static ListenSpec ParseListen(string value, string? defaultAdvertise)
    {
        string[] words = value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string socket = words.Length > 0 ? words[0] : "";
        string? advertised = defaultAdvertise;
        if (words.Length > 1)
        {
            if (!words[1].Equals("as", StringComparison.OrdinalIgnoreCase))
            {
                throw StartupException.Usage($"--listen '{value}': unexpected '{words[1]}'; expected 'as HOST[:PORT]' after the socket");
            }

            if (words.Length != 3)
            {
                throw StartupException.Usage(words.Length == 2
                    ? $"--listen '{value}': nothing after 'as'; expected HOST[:PORT]"
                    : $"--listen '{value}': more than one address after 'as'");
            }

            advertised = words[2];
        }

        if (!ListenSpec.TryParse(socket, out ListenSpec? spec, out string? error))
        {
            throw StartupException.Usage($"--{error}");
        }

        if (advertised is null)
        {
            return spec;
        }

        try
        {
            return spec.WithAdvertise(advertised);
        }
        catch (TransportException e)
        {
            throw StartupException.Usage($"--listen '{value}': {e.Message}");
        }
    }

    /// <summary>
    /// <c>--flag 'value': why</c> from a parser's reason that may itself start with the quoted value
    /// (<c>'5' is not a WAL size; ...</c> becomes <c>--checkpoint-wal-size '5': not a WAL size; ...</c>).
    /// </summary>
    public static string FlagError(string flag, string value, string reason)
    {
        string quoted = $"'{value}' is ";
        return $"{flag} '{value}': " + (reason.StartsWith(quoted, StringComparison.Ordinal) ? reason[quoted.Length..] : reason);
    }
}
