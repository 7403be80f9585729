using System.Buffers;
using System.Security.Cryptography;

namespace Hyperproxy.Sip.Auth;

/// <summary>
/// Digest arithmetic of RFC 2617 / RFC 7616 as used by SIP (RFC 3261 §22.4): HA1, HA2, request-digest with or
/// without qop, lowercase hex; MD5 by default, SHA-256 through the <see cref="DigestAlgorithm"/> overloads. Spans in,
/// spans out; no allocation (inputs over 1 KiB go through a pooled buffer).
/// </summary>
public static class DigestCalculator
{
    /// <summary>Length of an MD5 value in lowercase hex.</summary>
    public const int HexLength = 32;

    private const int StackLimit = 1024;

    /// <summary>HA1 = MD5(username ":" realm ":" password).</summary>
    public static void Ha1(ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm, ReadOnlySpan<byte> password, Span<byte> hex) =>
        Md5Joined(username, realm, password, default, default, default, 3, hex);

    /// <summary>MD5-sess HA1 = MD5(HA1 ":" nonce ":" cnonce).</summary>
    public static void Ha1Session(ReadOnlySpan<byte> ha1Hex, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> cnonce, Span<byte> hex) =>
        Md5Joined(ha1Hex, nonce, cnonce, default, default, default, 3, hex);

    /// <summary>HA2 = MD5(method ":" digest-uri) (qop absent or auth).</summary>
    public static void Ha2(ReadOnlySpan<byte> method, ReadOnlySpan<byte> digestUri, Span<byte> hex) =>
        Md5Joined(method, digestUri, default, default, default, default, 2, hex);

    /// <summary>
    /// request-digest: with qop, MD5(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2); without qop (empty),
    /// MD5(HA1 ":" nonce ":" HA2) (RFC 2069 compatibility).
    /// </summary>
    public static void Response(ReadOnlySpan<byte> ha1Hex, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> nc,
        ReadOnlySpan<byte> cnonce, ReadOnlySpan<byte> qop, ReadOnlySpan<byte> ha2Hex, Span<byte> hex)
    {
        if (qop.IsEmpty)
        {
            Md5Joined(ha1Hex, nonce, ha2Hex, default, default, default, 3, hex);
        }
        else
        {
            Md5Joined(ha1Hex, nonce, nc, cnonce, qop, ha2Hex, 6, hex);
        }
    }

    /// <summary>Whole computation from the password: HA1, HA2, response.</summary>
    public static void Response(ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm, ReadOnlySpan<byte> password,
        ReadOnlySpan<byte> method, ReadOnlySpan<byte> digestUri, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> nc,
        ReadOnlySpan<byte> cnonce, ReadOnlySpan<byte> qop, Span<byte> hex)
    {
        Span<byte> ha1 = stackalloc byte[HexLength];
        Span<byte> ha2 = stackalloc byte[HexLength];
        Ha1(username, realm, password, ha1);
        Ha2(method, digestUri, ha2);
        Response(ha1, nonce, nc, cnonce, qop, ha2, hex);
    }

    /// <summary>Compares a received response with a computed one: case-insensitive hex, fixed time.</summary>
    public static bool Matches(ReadOnlySpan<byte> received, ReadOnlySpan<byte> computedHex)
    {
        if (received.Length != computedHex.Length)
        {
            return false;
        }

        int diff = 0;
        for (int i = 0; i < received.Length; i++)
        {
            int r = received[i];
            if ((uint)(r - 'A') <= 'F' - 'A')
            {
                r |= 0x20;
            }

            diff |= r ^ computedHex[i];
        }

        return diff == 0;
    }

    /// <summary>HA1 = H(username ":" realm ":" password); <paramref name="hex"/> gets <see cref="DigestAlgorithms.HexLength"/> bytes.</summary>
    public static void Ha1(DigestAlgorithm algorithm, ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm, ReadOnlySpan<byte> password, Span<byte> hex) =>
        HashJoined(algorithm, username, realm, password, default, default, default, 3, hex);

    /// <summary>The -sess HA1 = H(HA1 ":" nonce ":" cnonce).</summary>
    public static void Ha1Session(DigestAlgorithm algorithm, ReadOnlySpan<byte> ha1Hex, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> cnonce, Span<byte> hex) =>
        HashJoined(algorithm, ha1Hex, nonce, cnonce, default, default, default, 3, hex);

    /// <summary>HA2 = H(method ":" digest-uri), or H(method ":" digest-uri ":" H(body)) for qop=auth-int (<paramref name="bodyHashHex"/> not empty).</summary>
    public static void Ha2(DigestAlgorithm algorithm, ReadOnlySpan<byte> method, ReadOnlySpan<byte> digestUri, ReadOnlySpan<byte> bodyHashHex, Span<byte> hex) =>
        HashJoined(algorithm, method, digestUri, bodyHashHex, default, default, default, bodyHashHex.IsEmpty ? 2 : 3, hex);

    /// <summary>H(bytes) in hex (the body hash of qop=auth-int).</summary>
    public static void Hash(DigestAlgorithm algorithm, ReadOnlySpan<byte> bytes, Span<byte> hex)
    {
        Span<byte> digest = stackalloc byte[32];
        int n = algorithm >= DigestAlgorithm.Sha256 ? SHA256.HashData(bytes, digest) : MD5.HashData(bytes, digest);
        ToHex(digest[..n], hex);
    }

    /// <summary>request-digest with qop (not empty) or without (RFC 2069), in the algorithm's hash.</summary>
    public static void Response(DigestAlgorithm algorithm, ReadOnlySpan<byte> ha1Hex, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> nc,
        ReadOnlySpan<byte> cnonce, ReadOnlySpan<byte> qop, ReadOnlySpan<byte> ha2Hex, Span<byte> hex)
    {
        if (qop.IsEmpty)
        {
            HashJoined(algorithm, ha1Hex, nonce, ha2Hex, default, default, default, 3, hex);
        }
        else
        {
            HashJoined(algorithm, ha1Hex, nonce, nc, cnonce, qop, ha2Hex, 6, hex);
        }
    }

    private static void Md5Joined(ReadOnlySpan<byte> p0, ReadOnlySpan<byte> p1, ReadOnlySpan<byte> p2, ReadOnlySpan<byte> p3,
        ReadOnlySpan<byte> p4, ReadOnlySpan<byte> p5, int parts, Span<byte> hex) =>
        HashJoined(DigestAlgorithm.Md5, p0, p1, p2, p3, p4, p5, parts, hex);

    private static void HashJoined(DigestAlgorithm algorithm, ReadOnlySpan<byte> p0, ReadOnlySpan<byte> p1, ReadOnlySpan<byte> p2, ReadOnlySpan<byte> p3,
        ReadOnlySpan<byte> p4, ReadOnlySpan<byte> p5, int parts, Span<byte> hex)
    {
        if (hex.Length < DigestAlgorithms.HexLength(algorithm))
        {
            throw new ArgumentException("Destination shorter than the hash in hex.", nameof(hex));
        }

        int length = p0.Length + p1.Length + p2.Length + p3.Length + p4.Length + p5.Length + parts - 1;
        byte[]? rented = null;
        Span<byte> buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        int o = 0;
        Append(buffer, ref o, p0, false);
        Append(buffer, ref o, p1, true);
        if (parts > 2)
        {
            Append(buffer, ref o, p2, true);
        }

        if (parts > 3)
        {
            Append(buffer, ref o, p3, true);
            Append(buffer, ref o, p4, true);
            Append(buffer, ref o, p5, true);
        }

        Span<byte> digest = stackalloc byte[32];
        int n = algorithm >= DigestAlgorithm.Sha256 ? SHA256.HashData(buffer[..o], digest) : MD5.HashData(buffer[..o], digest);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        ToHex(digest[..n], hex);
    }

    /// <summary>Lower-case hex of <paramref name="bytes"/> into <paramref name="hex"/> (twice as long).</summary>
    public static void ToHex(ReadOnlySpan<byte> bytes, Span<byte> hex)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            hex[2 * i] = HexDigit(bytes[i] >> 4);
            hex[(2 * i) + 1] = HexDigit(bytes[i] & 0xF);
        }
    }

    private static void Append(Span<byte> buffer, ref int o, ReadOnlySpan<byte> part, bool colon)
    {
        if (colon)
        {
            buffer[o++] = (byte)':';
        }

        part.CopyTo(buffer[o..]);
        o += part.Length;
    }

    private static byte HexDigit(int v) => (byte)(v < 10 ? '0' + v : 'a' + v - 10);
}
