namespace Hyperproxy.Script.Binding;

/// <summary>The core (global) parameters of a script, typed, with OpenSIPS's defaults.</summary>
public sealed class GlobalSettings
{
    public List<SocketDefinition> Sockets { get; } = new();

    /// <summary><c>alias=</c> names treated as "myself".</summary>
    public List<SocketSpec> Aliases { get; } = new();

    /// <summary>
    /// <c>auto_aliases</c> (OpenSIPS default off): the names the listen addresses reverse-resolve to are
    /// added as aliases, on the port of their socket.
    /// </summary>
    public bool AutoAliases { get; internal set; }

    public int UdpWorkers { get; internal set; } = 8;

    public int TcpWorkers { get; internal set; } = 8;

    /// <summary>-3 alert … 4 debug; default 2 (notice).</summary>
    public int LogLevel { get; internal set; } = 2;

    public int? XlogLevel { get; internal set; }

    public string? AdvertisedAddress { get; internal set; }

    public int AdvertisedPort { get; internal set; }

    public bool ServerSignature { get; internal set; } = true;

    /// <summary>The whole <c>Server:</c> header line, or null for the built-in one.</summary>
    public string? ServerHeader { get; internal set; }

    public string? UserAgentHeader { get; internal set; }

    public int MaxWhileLoops { get; internal set; } = 10000;

    public string? ModulePath { get; internal set; }

    public bool CheckVia { get; internal set; }

    public bool Disable503Translation { get; internal set; }

    /// <summary>Null when not set: then stateless reply forwarding is on exactly when the script calls forward().</summary>
    public bool? DisableStatelessForward { get; internal set; }

    /// <summary>Every accepted global as written (last value wins), including those not typed above.</summary>
    public Dictionary<string, string> Raw { get; } = new(StringComparer.Ordinal);
}
