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

    /// <summary><c>tcp_connection_lifetime</c> seconds (OpenSIPS default 120): an idle connection is closed after it.</summary>
    public int TcpConnectionLifetime { get; internal set; } = 120;

    /// <summary><c>tcp_connect_timeout</c> milliseconds (OpenSIPS default 100).</summary>
    public int TcpConnectTimeout { get; internal set; } = 100;

    /// <summary><c>tcp_max_connections</c> (OpenSIPS default 2048): accepted connections at once.</summary>
    public int TcpMaxConnections { get; internal set; } = 2048;

    /// <summary><c>tcp_max_msg_time</c> seconds (OpenSIPS default 4): a message must arrive whole within it.</summary>
    public int TcpMaxMessageTime { get; internal set; } = 4;

    /// <summary><c>tcp_socket_backlog</c> (OpenSIPS default 10).</summary>
    public int TcpSocketBacklog { get; internal set; } = 10;

    /// <summary><c>tcp_keepalive</c> (default on): SO_KEEPALIVE on every connection.</summary>
    public bool TcpKeepAlive { get; internal set; } = true;

    /// <summary><c>tcp_accept_aliases</c>: honour RFC 5923 <c>alias</c> in the top Via of requests read over TCP/TLS.</summary>
    public bool TcpAcceptAliases { get; internal set; }

    /// <summary><c>tcp_keepidle</c>/<c>tcp_keepinterval</c> seconds, <c>tcp_keepcount</c> probes; 0: the system's.</summary>
    public int TcpKeepIdle { get; internal set; }

    public int TcpKeepInterval { get; internal set; }

    public int TcpKeepCount { get; internal set; }

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

    /// <summary><c>dns_try_naptr</c>: RFC 3263 NAPTR lookups choose the transport of a URI with neither port nor transport.</summary>
    public bool DnsTryNaptr { get; internal set; } = true;

    /// <summary><c>dns_try_ipv6</c>: AAAA records are asked for as well as A.</summary>
    public bool DnsTryIpv6 { get; internal set; }

    /// <summary><c>disable_dns_failover</c>: tm never fails a branch over to a name's next target.</summary>
    public bool DisableDnsFailover { get; internal set; }

    /// <summary>Null when not set: then stateless reply forwarding is on exactly when the script calls forward().</summary>
    public bool? DisableStatelessForward { get; internal set; }

    /// <summary>Every accepted global as written (last value wins), including those not typed above.</summary>
    public Dictionary<string, string> Raw { get; } = new(StringComparer.Ordinal);
}
