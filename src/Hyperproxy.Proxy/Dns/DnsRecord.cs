using System.Net;

namespace Hyperproxy.Proxy.Dns;

/// <summary>One answer record of the types the resolver uses; the fields of other types stay empty.</summary>
public sealed class DnsRecord
{
    public DnsType Type;
    public string Name = string.Empty;
    public uint Ttl;

    /// <summary>A/AAAA.</summary>
    public IPAddress? Address;

    /// <summary>SRV (RFC 2782).</summary>
    public ushort Priority;
    public ushort Weight;
    public ushort Port;

    /// <summary>SRV target, NAPTR replacement, CNAME target.</summary>
    public string Target = string.Empty;

    /// <summary>NAPTR (RFC 3403).</summary>
    public ushort Order;
    public ushort Preference;
    public string Flags = string.Empty;
    public string Service = string.Empty;
    public string Regexp = string.Empty;

    /// <summary>SOA MINIMUM (RFC 2308: the TTL of negative answers).</summary>
    public uint Minimum;
}
