using System.Buffers.Binary;
using System.Security.Cryptography;
using Hyperproxy.Sip.Auth;

namespace Hyperproxy.Modules.Auth;

/// <summary>
/// What a nonce carries, and its text form: 12 bytes (expiry in seconds of the process clock, the issuing
/// ring, algorithm and offered qop, the ring's sequence number) followed by the first 16 bytes of
/// HMAC-SHA256(secret, those 12 bytes), in lower-case hex (56 characters). Without the secret a peer can
/// neither forge one nor move its expiry, algorithm or qop; the secret is random per start unless the
/// <c>secret</c> modparam sets it.
/// </summary>
internal readonly struct Nonce
{
    /// <summary>Characters of a nonce's text.</summary>
    public const int TextLength = 56;

    /// <summary>qop bits: the challenge offered auth.</summary>
    public const byte QopAuth = 1;

    /// <summary>qop bits: the challenge offered auth-int.</summary>
    public const byte QopAuthInt = 2;

    private const int PayloadLength = 12;
    private const int MacLength = 16;

    public Nonce(uint expiry, byte ring, DigestAlgorithm algorithm, byte qop, uint sequence)
    {
        Expiry = expiry;
        Ring = ring;
        Algorithm = algorithm;
        Qop = qop;
        Sequence = sequence;
    }

    /// <summary>Process-clock second at which the nonce stops being accepted.</summary>
    public uint Expiry { get; }

    /// <summary>The issuing worker's ring (0 = not tracked: disable_nonce_check).</summary>
    public byte Ring { get; }

    public DigestAlgorithm Algorithm { get; }

    /// <summary><see cref="QopAuth"/> | <see cref="QopAuthInt"/>, or 0 when the challenge offered no qop.</summary>
    public byte Qop { get; }

    public uint Sequence { get; }

    /// <summary>Writes the 56 hex characters into <paramref name="text"/>.</summary>
    public void Write(ReadOnlySpan<byte> secret, Span<byte> text)
    {
        Span<byte> raw = stackalloc byte[PayloadLength + 32];
        BinaryPrimitives.WriteUInt32BigEndian(raw, Expiry);
        raw[4] = Ring;
        raw[5] = (byte)(((int)Algorithm << 2) | Qop);
        BinaryPrimitives.WriteUInt32BigEndian(raw[6..], Sequence);
        raw[10] = 0;
        raw[11] = 0;
        HMACSHA256.HashData(secret, raw[..PayloadLength], raw[PayloadLength..]);
        DigestCalculator.ToHex(raw[..(PayloadLength + MacLength)], text);
    }

    /// <summary>False when the text is not a nonce this secret issued (wrong length, not hex, MAC mismatch).</summary>
    public static bool TryRead(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> text, out Nonce nonce)
    {
        nonce = default;
        if (text.Length != TextLength)
        {
            return false;
        }

        Span<byte> raw = stackalloc byte[PayloadLength + MacLength];
        for (int i = 0; i < raw.Length; i++)
        {
            int hi = Hex(text[2 * i]);
            int lo = Hex(text[(2 * i) + 1]);
            if ((hi | lo) < 0)
            {
                return false;
            }

            raw[i] = (byte)((hi << 4) | lo);
        }

        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(secret, raw[..PayloadLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], raw[PayloadLength..]))
        {
            return false;
        }

        int alg = raw[5] >> 2;
        if (alg >= DigestAlgorithms.Count || raw[10] != 0 || raw[11] != 0)
        {
            return false;
        }

        nonce = new Nonce(BinaryPrimitives.ReadUInt32BigEndian(raw), raw[4], (DigestAlgorithm)alg, (byte)(raw[5] & 3),
            BinaryPrimitives.ReadUInt32BigEndian(raw[6..]));
        return true;
    }

    // Lower-case only: we write lower case, so anything else was not issued by us.
    private static int Hex(byte b) => (uint)(b - '0') <= 9 ? b - '0' : (uint)(b - 'a') <= 5 ? b - 'a' + 10 : -1;
}
