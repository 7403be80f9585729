namespace Hyperproxy.Proxy.Dns;

/// <summary>An answer: the records of the type asked for and the time it may be kept (RFC 2308 for negative answers).</summary>
public sealed class DnsAnswer
{
    public DnsStatus Status;
    public List<DnsRecord> Records = [];

    /// <summary>Seconds the answer may be cached: the least TTL of the records used; for a negative answer the SOA's.</summary>
    public uint Ttl;

    /// <summary>The answer had TC set (UDP): ask again over TCP.</summary>
    public bool Truncated;

    public static DnsAnswer Fail() => new() { Status = DnsStatus.Failed };
}
