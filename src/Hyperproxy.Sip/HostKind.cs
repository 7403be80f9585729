namespace Hyperproxy.Sip;

public enum HostKind : byte
{
    None = 0,
    Name,
    IPv4,

    /// <summary>An IPv6 reference; the host range includes the brackets.</summary>
    IPv6,
}
