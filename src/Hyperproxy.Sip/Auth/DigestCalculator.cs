using System.Buffers;
using System.Security.Cryptography;

namespace Hyperproxy.Sip.Auth;

/// <summary>
/// MD5 digest arithmetic of RFC 2617 / RFC 7616 as used by SIP (RFC 3261 §22.4): HA1, HA2, request-digest with or
/// without qop=auth, lowercase hex. Spans in, spans out; no allocation (inputs over 1 KiB go through a pooled buffer).
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

    private static void Md5Joined(ReadOnlySpan<byte> p0, ReadOnlySpan<byte> p1, ReadOnlySpan<byte> p2, ReadOnlySpan<byte> p3,
        ReadOnlySpan<byte> p4, ReadOnlySpan<byte> p5, int parts, Span<byte> hex)
    {
        if (hex.Length < HexLength)
        {
            throw new ArgumentException("Destination shorter than 32 bytes.", nameof(hex));
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

        Span<byte> digest = stackalloc byte[16];
        MD5.HashData(buffer[..o], digest);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        for (int i = 0; i < 16; i++)
        {
            hex[2 * i] = HexDigit(digest[i] >> 4);
            hex[(2 * i) + 1] = HexDigit(digest[i] & 0xF);
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
