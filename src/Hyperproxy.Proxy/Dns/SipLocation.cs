using Hyperproxy.Transport;

namespace Hyperproxy.Proxy.Dns;

/// <summary>The ordered targets of a name, their transport and how long they may be kept.</summary>
public sealed class SipLocation
{
    public TransportProtocol Protocol;
    public List<SipTarget> Targets = [];

    /// <summary>Each target has its port (from SRV, or the transport's default); false for <see cref="NextHopMode.Address"/> (the caller's port).</summary>
    public bool HasPorts;

    /// <summary>Seconds: the least TTL of the records used; for a failure, the negative answer's.</summary>
    public uint Ttl;

    /// <summary>A server failed or did not answer (not a negative answer).</summary>
    public bool Failed;
}
