using Hyperproxy.Transport;

namespace Hyperproxy.Hosting;

/// <summary>
/// Everything <c>hyperproxy run</c> was told, validated: each bad value becomes a
/// <see cref="StartupException"/> that names the flag and says why.
/// </summary>
public sealed class ServerOptions
{
    public const int DefaultBatch = 64;
    public const string DefaultListen = "udp:127.0.0.1:5060";

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

    /// <summary><c>--durability</c> of the location store (none|checkpoint|sync); null: the usrloc modparam, else none.</summary>
    public Hyperproxy.Location.Durability? Durability { get; init; }

    /// <summary><c>--checkpoint-wal-size</c> in bytes (sync durability: checkpoint early after this much WAL; 0 = timer
    /// only); null: usrloc's <c>checkpoint_wal_size</c> modparam, else 64 MiB.</summary>
    public long? CheckpointWalBytes { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Notice;

    /// <summary><c>--ignore-missing-modules</c>: a loadmodule of a module that is not built in is one warning, not a start-up error.</summary>
    public bool IgnoreMissingModules { get; init; }

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
        string logLevel,
        string? durability = null,
        string? checkpointWalSize = null,
        bool ignoreMissingModules = false)
    {
        Hyperproxy.Location.Durability? mode = null;
        if (durability is not null)
        {
            mode = Modules.Registrar.RegistrarModule.ParseDurability(durability)
                ?? throw new StartupException($"--durability: '{durability}' is not a mode; use none, checkpoint or sync");
        }

        long? walBytes = null;
        if (checkpointWalSize is not null)
        {
            if (!Hyperproxy.Location.LocationStoreOptions.TryParseCheckpointWalBytes(checkpointWalSize, out long parsed, out string walError))
            {
                throw new StartupException("--checkpoint-wal-size: " + walError);
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
                throw new StartupException($"--cpus: {cpuError}");
            }
        }

        if (!Log.TryParseLevel(logLevel, out LogLevel level))
        {
            throw new StartupException($"--log-level: '{logLevel}' is not a level; use error, warning, notice, info or debug");
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
            Durability = mode,
            CheckpointWalBytes = walBytes,
            IgnoreMissingModules = ignoreMissingModules,
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
                throw new StartupException($"--listen '{value}': unexpected '{words[1]}'; expected 'as HOST[:PORT]' after the socket");
            }

            if (words.Length != 3)
            {
                throw new StartupException(words.Length == 2
                    ? $"--listen '{value}': nothing after 'as'; expected HOST[:PORT]"
                    : $"--listen '{value}': more than one address after 'as'");
            }

            advertised = words[2];
        }

        if (!ListenSpec.TryParse(socket, out ListenSpec? spec, out string? error))
        {
            throw new StartupException($"--{error}");
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
            throw new StartupException($"--listen '{value}': {e.Message}");
        }
    }
}
