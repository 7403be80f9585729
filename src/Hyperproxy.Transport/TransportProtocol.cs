namespace Hyperproxy.Transport;

/// <summary>The transport of a listening socket (OpenSIPS's <c>proto</c> of <c>socket=proto:addr:port</c>).</summary>
public enum TransportProtocol : byte
{
    Udp = 0,
    Tcp,
    Tls,
}

/// <summary>Names of <see cref="TransportProtocol"/> as SIP writes them.</summary>
public static class TransportProtocols
{
    /// <summary>True for the connection-oriented transports (one connection per peer, framing by Content-Length).</summary>
    public static bool IsStream(this TransportProtocol protocol) => protocol != TransportProtocol.Udp;

    /// <summary>Lower case, as in <c>socket=tcp:...</c> and <c>;transport=tcp</c>.</summary>
    public static string Name(this TransportProtocol protocol) => protocol switch
    {
        TransportProtocol.Tcp => "tcp",
        TransportProtocol.Tls => "tls",
        _ => "udp",
    };

    /// <summary>The Via transport token (RFC 3261 §18.2.1 / §20.42): UDP, TCP, TLS.</summary>
    public static string ViaToken(this TransportProtocol protocol) => protocol switch
    {
        TransportProtocol.Tcp => "TCP",
        TransportProtocol.Tls => "TLS",
        _ => "UDP",
    };

    /// <summary>The default port of a socket or a URI without one (RFC 3261 §19.1.2: 5061 for TLS).</summary>
    public static int DefaultPort(this TransportProtocol protocol) => protocol == TransportProtocol.Tls ? 5061 : 5060;

    /// <summary>Reads <c>udp</c>/<c>tcp</c>/<c>tls</c> (any case); false for anything else.</summary>
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
        return false;
    }

    /// <summary>Reads a <c>;transport=</c> value or a Via transport token (any case); false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<byte> name, out TransportProtocol protocol)
    {
        protocol = TransportProtocol.Udp;
        if (name.Length != 3)
            return false;
        Span<char> chars = stackalloc char[3];
        for (int i = 0; i < 3; i++)
            chars[i] = (char)name[i];
        return TryParse(chars, out protocol);
    }
}
