namespace Hyperproxy.Modules.Nathelper;

/// <summary>The tests of <c>nat_uac_test(flags)</c> (OpenSIPS bit values; names from 3.4).</summary>
[Flags]
public enum NatTest
{
    None = 0,

    /// <summary>A Contact URI host is a private IPv4 address.</summary>
    PrivateContact = 1,

    /// <summary>The top Via already has <c>received</c>, or its host (maddr) is not the source IP.</summary>
    DiffIpSrcVia = 2,

    /// <summary>The top Via host is a private IPv4 address.</summary>
    PrivateVia = 4,

    /// <summary>An SDP <c>c=</c> IPv4 address is private.</summary>
    PrivateSdp = 8,

    /// <summary>The source port is not the top Via's port (5060 when absent).</summary>
    DiffPortSrcVia = 16,

    /// <summary>A Contact host is not the source IP.</summary>
    DiffIpSrcContact = 32,

    /// <summary>A Contact port (default by scheme/transport) is not the source port.</summary>
    DiffPortSrcContact = 64,

    /// <summary>Also treat 192.0.0.0/29 (RFC 6333) as private in tests 1, 4 and 8.</summary>
    CarrierGradeNat = 128,
}
