namespace Hyperproxy.Proxy.Dns;

/// <summary>What a next hop's host name is looked up for (RFC 3263 §4.1, §4.2).</summary>
public enum NextHopMode : byte
{
    /// <summary>The URI has a port (or the hop is a Via/host:port): A/AAAA only, on that port.</summary>
    Address = 0,

    /// <summary>No port, <c>;transport=udp</c>: SRV <c>_sip._udp</c>, else A/AAAA on 5060.</summary>
    SrvUdp,

    /// <summary>No port, <c>;transport=tcp</c>: SRV <c>_sip._tcp</c>, else A/AAAA on 5060.</summary>
    SrvTcp,

    /// <summary>No port, TLS (<c>sips:</c> or <c>;transport=tls</c>): SRV <c>_sips._tcp</c>, else A/AAAA on 5061.</summary>
    SrvTls,

    /// <summary>sip: URI, no port, no transport: NAPTR (when enabled), else SRV of each transport served, else A/AAAA over UDP on 5060.</summary>
    AnySip,

    /// <summary>sips: URI, no port, no transport: NAPTR SIPS+D2T (when enabled), else SRV <c>_sips._tcp</c>, else A/AAAA over TLS on 5061.</summary>
    AnySips,
}
