namespace Hyperproxy.Transport.Streams;

/// <summary>
/// Limits and timers of the connection-oriented transports (OpenSIPS core <c>tcp_*</c> parameters and proto_tcp's),
/// shared by TCP and TLS. Every limit is enforced and counted in <see cref="StreamCounters"/>.
/// </summary>
public sealed record StreamOptions
{
    /// <summary>Largest SIP message on a stream (headers + body); never more than the worker's slot size.</summary>
    public int MaxMessageBytes { get; init; } = DatagramBatch.DefaultSlotSize;

    /// <summary>Largest header section (start line to the empty line).</summary>
    public int MaxHeaderBytes { get; init; } = 8 * 1024;

    /// <summary><c>tcp_connection_lifetime</c>: an idle connection is closed after this long (OpenSIPS default 120 s).</summary>
    public TimeSpan ConnectionLifetime { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary><c>tcp_connect_timeout</c>: an outgoing connect that has not completed by then fails (OpenSIPS default 100 ms).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary><c>tcp_max_msg_time</c>: a message must arrive whole within this time once it has started (OpenSIPS default 4 s).</summary>
    public TimeSpan MaxMessageTime { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary><c>tcp_max_connections</c>: accepted connections at once; past it new ones are refused (outgoing are not counted).</summary>
    public int MaxConnections { get; init; } = 2048;

    /// <summary>Accepted connections from one source address at once (a slowloris or a flood from one host cannot take all).</summary>
    public int MaxConnectionsPerSource { get; init; } = 256;

    /// <summary><c>tcp_keepalive</c>: SO_KEEPALIVE on every connection.</summary>
    public bool KeepAlive { get; init; } = true;

    /// <summary><c>tcp_keepidle</c> seconds (0: the system's).</summary>
    public int KeepIdleSeconds { get; init; }

    /// <summary><c>tcp_keepinterval</c> seconds (0: the system's).</summary>
    public int KeepIntervalSeconds { get; init; }

    /// <summary><c>tcp_keepcount</c> probes (0: the system's).</summary>
    public int KeepCount { get; init; }

    /// <summary><c>tcp_crlf_pingpong</c>: answer a CRLFCRLF ping with a CRLF pong (RFC 5626 §3.5.1).</summary>
    public bool CrlfPingPong { get; init; } = true;

    /// <summary>Messages queued for writing on one connection before it is declared broken and closed.</summary>
    public int MaxQueuedWrites { get; init; } = 1024;

    /// <summary><c>tls_handshake_timeout</c>: a TLS handshake must complete within this time.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary><c>tcp_socket_backlog</c>: listen() backlog.</summary>
    public int Backlog { get; init; } = 1024;

    /// <summary>proto_ws/proto_wss <c>require_origin</c>: the WebSocket handshake must carry an Origin header.</summary>
    public bool WebSocketRequireOrigin { get; init; } = true;

    /// <summary>
    /// <c>tcp_accept_aliases</c>: a request whose top Via carries <c>alias</c> (RFC 5923) makes its TCP/TLS connection
    /// also answer to the source address with the Via's port, so requests to the sender's listening address reuse it.
    /// </summary>
    public bool AcceptAliases { get; init; }

    /// <summary>Aliases one connection keeps at most (beyond, further aliases are refused and counted).</summary>
    public int MaxAliasesPerConnection { get; init; } = 4;

    /// <summary>How often idle, slow and handshaking connections are checked.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}
