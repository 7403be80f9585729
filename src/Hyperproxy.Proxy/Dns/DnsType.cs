namespace Hyperproxy.Proxy.Dns;

/// <summary>DNS record types the resolver asks for (RFC 1035, RFC 3596, RFC 2782, RFC 3403).</summary>
public enum DnsType : ushort
{
    A = 1,
    Cname = 5,
    Soa = 6,
    Aaaa = 28,
    Srv = 33,
    Naptr = 35,
}
