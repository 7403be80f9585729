namespace Hyperproxy.Modules.Nathelper;

/// <summary>What <c>fix_nated_sdp(flags)</c> does (OpenSIPS bit values; names from 3.4).</summary>
[Flags]
public enum SdpFix
{
    None = 0,

    /// <summary>Add <c>a=direction:active</c>.</summary>
    AddDirActive = 1,

    /// <summary>Rewrite <c>c=</c> lines to the given IP or the source IP (old value kept as <c>a=oldcip:</c>).</summary>
    RewriteMediaIp = 2,

    /// <summary>Add <c>nortpproxy_str</c> (default <c>a=nortpproxy:yes</c>).</summary>
    AddNoRtpproxy = 4,

    /// <summary>Rewrite the <c>o=</c> address (old value kept as <c>a=oldoip:</c>).</summary>
    RewriteOriginIp = 8,

    /// <summary>Also rewrite null addresses (0.0.0.0).</summary>
    RewriteNullIps = 16,
}
