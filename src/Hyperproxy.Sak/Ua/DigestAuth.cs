using System.Globalization;
using System.Text;
using Hyperproxy.Sip.Auth;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sak.Ua;

/// <summary>
/// Answers a 401/407 challenge with an MD5 digest (RFC 2617 / RFC 3261 §22.4), qop=auth when
/// offered: the challenge is read with <see cref="DigestHeader"/>, the math is
/// <see cref="DigestCalculator"/>'s.
/// </summary>
public static class DigestAuth
{
    private const string Nc = "00000001";

    /// <summary>
    /// The Authorization (401) or Proxy-Authorization (407) header line for <paramref name="challenge"/>,
    /// or null when the challenge is not a Digest MD5 one.
    /// </summary>
    public static string? Answer(string challenge, bool proxy, string method, string uri, string user, string password, string cnonce)
    {
        byte[] c = Encoding.UTF8.GetBytes(challenge.Trim());
        if (!DigestHeader.TryParse(c, 0, out DigestHeader d) || !d.IsDigest)
            return null;
        ReadOnlySpan<byte> algorithm = Part(c, d.Algorithm);
        if (!algorithm.IsEmpty && !Ascii.EqualsIgnoreCase(algorithm, "MD5"u8))
            return null;
        bool qopAuth = OffersAuth(Part(c, d.Qop));
        ReadOnlySpan<byte> realm = Part(c, d.Realm);
        ReadOnlySpan<byte> nonce = Part(c, d.Nonce);
        Span<byte> response = stackalloc byte[DigestCalculator.HexLength];
        DigestCalculator.Response(Encoding.UTF8.GetBytes(user), realm, Encoding.UTF8.GetBytes(password),
            Encoding.UTF8.GetBytes(method), Encoding.UTF8.GetBytes(uri), nonce,
            qopAuth ? "00000001"u8 : default, qopAuth ? Encoding.UTF8.GetBytes(cnonce) : default, qopAuth ? "auth"u8 : default, response);
        var b = new StringBuilder(proxy ? "Proxy-Authorization: " : "Authorization: ");
        b.Append("Digest username=\"").Append(user).Append("\", realm=\"").Append(Encoding.UTF8.GetString(realm))
            .Append("\", nonce=\"").Append(Encoding.UTF8.GetString(nonce)).Append("\", uri=\"").Append(uri)
            .Append("\", response=\"").Append(Encoding.ASCII.GetString(response)).Append("\", algorithm=MD5");
        if (d.Opaque.IsPresent)
            b.Append(", opaque=\"").Append(Encoding.UTF8.GetString(Part(c, d.Opaque))).Append('"');
        if (qopAuth)
            b.Append(", qop=auth, nc=").Append(Nc).Append(", cnonce=\"").Append(cnonce).Append('"');
        return b.ToString();
    }

    /// <summary>Whether a challenge's qop option list ("auth,auth-int") contains auth.</summary>
    private static bool OffersAuth(ReadOnlySpan<byte> qop)
    {
        foreach (Range r in qop.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(qop[r].Trim((byte)' '), "auth"u8))
                return true;
        }
        return false;
    }

    private static ReadOnlySpan<byte> Part(byte[] bytes, Hyperproxy.Sip.TextRange range) =>
        range.IsPresent ? bytes.AsSpan(range.Start, range.Length) : default;

    internal static string NewCnonce(Random random) =>
        random.NextInt64().ToString("x16", CultureInfo.InvariantCulture);
}
