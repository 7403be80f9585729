namespace Hyperproxy.Transport.Streams;

/// <summary>What the stream transports counted (summed over all connections; read with <see cref="StreamTransport.ReadCounters"/>).</summary>
public struct StreamCounters
{
    public long Accepted;
    public long Connected;
    public long ConnectFailures;
    public long RefusedTotalLimit;
    public long RefusedSourceLimit;
    public long Closed;
    public long ClosedIdle;
    public long ClosedSlow;
    public long ClosedTooLarge;
    public long ClosedMissingContentLength;
    public long ClosedWriteOverflow;
    public long TlsHandshakeFailures;
    public long WebSocketHandshakeFailures;
    public long WebSocketProtocolErrors;
    public long MessagesIn;
    public long MessagesOut;
    public long Pings;
    public long SendNoConnection;

    /// <summary>RFC 5923 aliases added to connections (tcp_accept_aliases, force_tcp_alias), and refused past the per-connection bound.</summary>
    public long Aliases;
    public long AliasesRefused;

    public override readonly string ToString() =>
        $"connections accepted {Accepted}, connected {Connected}, connect failures {ConnectFailures}, refused {RefusedTotalLimit}/{RefusedSourceLimit} (total/source), "
        + $"closed {Closed} (idle {ClosedIdle}, slow {ClosedSlow}, too large {ClosedTooLarge}, no Content-Length {ClosedMissingContentLength}, "
        + $"write overflow {ClosedWriteOverflow}, TLS handshake {TlsHandshakeFailures}, WebSocket handshake {WebSocketHandshakeFailures}, WebSocket protocol {WebSocketProtocolErrors}), messages in {MessagesIn}, out {MessagesOut}, pings {Pings}, "
        + $"no connection {SendNoConnection}, aliases {Aliases} (refused {AliasesRefused})";
}
