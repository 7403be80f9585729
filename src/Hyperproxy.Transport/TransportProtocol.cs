namespace Hyperproxy.Transport;

/// <summary>The transport of a listening socket (OpenSIPS's <c>proto</c> of <c>socket=proto:addr:port</c>).</summary>
public enum TransportProtocol : byte
{
    Udp = 0,
    Tcp,
    Tls,

    /// <summary>WebSocket (RFC 7118) over TCP.</summary>
    Ws,

    /// <summary>WebSocket over TLS.</summary>
    Wss,
}

/// <summary>Names of <see cref="TransportProtocol"/> as SIP writes them.</summary>
public static class TransportProtocols
{
    /// <summary>True for the connection-oriented transports (one connection per peer, framing by Content-Length).</summary>
    public static bool IsStream(this TransportProtocol protocol) => protocol != TransportProtocol.Udp;

    /// <summary>TLS underneath: tls and wss.</summary>
    public static bool IsSecure(this TransportProtocol protocol) => protocol is TransportProtocol.Tls or TransportProtocol.Wss;

    /// <summary>WebSocket framing (RFC 6455) instead of Content-Length: ws and wss.</summary>
    public static bool IsWebSocket(this TransportProtocol protocol) => protocol is TransportProtocol.Ws or TransportProtocol.Wss;

    /// <summary>Lower case, as in <c>socket=tcp:...</c> and <c>;transport=tcp</c>.</summary>
    public static string Name(this TransportProtocol protocol) => protocol switch
    {
        TransportProtocol.Tcp => "tcp",
        TransportProtocol.Tls => "tls",
        TransportProtocol.Ws => "ws",
        TransportProtocol.Wss => "wss",
        _ => "udp",
    };

    /// <summary>The Via transport token (RFC 3261 §18.2.1 / §20.42): UDP, TCP, TLS.</summary>
    public static string ViaToken(this TransportProtocol protocol) => protocol switch
    {
        TransportProtocol.Tcp => "TCP",
        TransportProtocol.Tls => "TLS",
        TransportProtocol.Ws => "WS",
        TransportProtocol.Wss => "WSS",
        _ => "UDP",
    };

    /// <summary>The default port of a socket or a URI without one (RFC 3261 §19.1.2: 5061 for TLS; OpenSIPS ws_port 80, wss_port 443).</summary>
    public static int DefaultPort(this TransportProtocol protocol) => protocol switch
    {
        TransportProtocol.Tls => 5061,
        TransportProtocol.Ws => 80,
        TransportProtocol.Wss => 443,
        _ => 5060,
    };

    /// <summary>Reads <c>udp</c>/<c>tcp</c>/<c>tls</c>/<c>ws</c>/<c>wss</c> (any case); false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> name, out TransportProtocol protocol)
    {
        protocol = TransportProtocol.Udp;
        if (name.Equals("udp", StringComparison.OrdinalIgnoreCase))
            return true;
        if (name.Equals("tcp", StringComparison.OrdinalIgnoreCase))
        {
            protocol = TransportProtocol.Tcp;
            return true;
        }
        if (name.Equals("tls", StringComparison.OrdinalIgnoreCase))
        {
            protocol = TransportProtocol.Tls;
            return true;
        }
        if (name.Equals("ws", StringComparison.OrdinalIgnoreCase))
        {
            protocol = TransportProtocol.Ws;
            return true;
        }
        if (name.Equals("wss", StringComparison.OrdinalIgnoreCase))
        {
            protocol = TransportProtocol.Wss;
            return true;
        }
        return false;
    }

    /// <summary>Reads a <c>;transport=</c> value or a Via transport token (any case); false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<byte> name, out TransportProtocol protocol)
    {
        protocol = TransportProtocol.Udp;
        if (name.Length is < 2 or > 3)
            return false;
        Span<char> chars = stackalloc char[3];
        for (int i = 0; i < name.Length; i++)
            chars[i] = (char)name[i];
        return TryParse(chars[..name.Length], out protocol);
    }
}
