using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Nathelper;

/// <summary>
/// The address ranges nathelper treats as "behind a NAT" (OpenSIPS <c>ip_addr_is_1918</c>): 10/8,
/// 172.16/12, 192.168/16 (RFC 1918), 100.64/10 (RFC 6598 shared address space), 127/8, and with
/// <c>carrier-grade-nat</c> also 192.0.0.0/29 (RFC 6333). IPv6 is never private here.
/// </summary>
public static class PrivateAddress
{
    /// <summary>True when <paramref name="host"/> is a numeric IPv4 address in one of the ranges.</summary>
    public static bool IsPrivate(ReadOnlySpan<byte> host, bool carrierGradeNat)
    {
        if (!NetAddress.TryParse(host, 0, out NetAddress address) || !address.IsIPv4)
        {
            return false;
        }

        return IsPrivate(address, carrierGradeNat);
    }

    /// <summary>True when <paramref name="address"/> is IPv4 and in one of the ranges.</summary>
    public static bool IsPrivate(in NetAddress address, bool carrierGradeNat)
    {
        if (!address.IsIPv4)
        {
            return false;
        }

        Span<byte> b = stackalloc byte[4];
        address.CopyAddressBytes(b);
        return b[0] == 10
            || (b[0] == 172 && (b[1] & 0xF0) == 16)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 100 && (b[1] & 0xC0) == 64)
            || b[0] == 127
            || (carrierGradeNat && b[0] == 192 && b[1] == 0 && b[2] == 0 && b[3] < 8);
    }
}
