namespace Hyperproxy.Sip;

/// <summary>The address family of a <see cref="NetAddress"/>.</summary>
public enum NetAddressFamily : byte
{
    /// <summary>The default value: no address.</summary>
    None = 0,
    IPv4 = 4,
    IPv6 = 6,
}
