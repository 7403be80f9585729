namespace Hyperproxy.Sip.Auth;

/// <summary>
/// The digest algorithms Hyperproxy verifies and challenges with (RFC 2617 MD5 / MD5-sess, RFC 7616 SHA-256 /
/// SHA-256-sess). The numeric values are what a nonce carries (3 bits).
/// </summary>
public enum DigestAlgorithm : byte
{
    Md5 = 0,
    Md5Sess = 1,
    Sha256 = 2,
    Sha256Sess = 3,
}

/// <summary>Names, lengths and parsing of <see cref="DigestAlgorithm"/>.</summary>
public static class DigestAlgorithms
{
    /// <summary>How many algorithms exist (values 0 .. Count-1).</summary>
    public const int Count = 4;

    /// <summary>The hex length of a hash of this algorithm (32 for MD5, 64 for SHA-256).</summary>
    public static int HexLength(DigestAlgorithm a) => a >= DigestAlgorithm.Sha256 ? 64 : 32;

    /// <summary>Whether HA1 is re-hashed with nonce and cnonce (the <c>-sess</c> variants).</summary>
    public static bool IsSession(DigestAlgorithm a) => a is DigestAlgorithm.Md5Sess or DigestAlgorithm.Sha256Sess;

    /// <summary>The algorithm of the stored HA1 a session variant starts from.</summary>
    public static DigestAlgorithm Base(DigestAlgorithm a) => a >= DigestAlgorithm.Sha256 ? DigestAlgorithm.Sha256 : DigestAlgorithm.Md5;

    /// <summary>The token as RFC 7616 spells it (<c>MD5</c>, <c>MD5-sess</c>, <c>SHA-256</c>, <c>SHA-256-sess</c>).</summary>
    public static ReadOnlySpan<byte> Name(DigestAlgorithm a) => a switch
    {
        DigestAlgorithm.Md5 => "MD5"u8,
        DigestAlgorithm.Md5Sess => "MD5-sess"u8,
        DigestAlgorithm.Sha256 => "SHA-256"u8,
        _ => "SHA-256-sess"u8,
    };

    /// <summary>An <c>algorithm=</c> token, case-insensitive; empty (absent) is MD5. False for any other algorithm.</summary>
    public static bool TryParse(ReadOnlySpan<byte> token, out DigestAlgorithm algorithm)
    {
        algorithm = DigestAlgorithm.Md5;
        if (token.IsEmpty || System.Text.Ascii.EqualsIgnoreCase(token, "md5"u8))
        {
            return true;
        }

        if (System.Text.Ascii.EqualsIgnoreCase(token, "md5-sess"u8))
        {
            algorithm = DigestAlgorithm.Md5Sess;
            return true;
        }

        if (System.Text.Ascii.EqualsIgnoreCase(token, "sha-256"u8))
        {
            algorithm = DigestAlgorithm.Sha256;
            return true;
        }

        if (System.Text.Ascii.EqualsIgnoreCase(token, "sha-256-sess"u8))
        {
            algorithm = DigestAlgorithm.Sha256Sess;
            return true;
        }

        return false;
    }
}
