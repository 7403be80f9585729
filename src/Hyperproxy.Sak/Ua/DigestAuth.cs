using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hyperproxy.Sak.Ua;

/// <summary>
/// Answers a 401/407 challenge with an MD5 digest (RFC 2617 / RFC 3261 §22.4), qop=auth when
/// offered. Private to hypersak until Hyperproxy.Sip has its own digest calculator.
/// </summary>
public static class DigestAuth
{
    /// <summary>
    /// The Authorization (401) or Proxy-Authorization (407) header line for <paramref name="challenge"/>,
    /// or null when the challenge is not a Digest MD5 one.
    /// </summary>
    public static string? Answer(string challenge, bool proxy, string method, string uri, string user, string password, string cnonce)
    {
        string c = challenge.Trim();
        if (!c.StartsWith("Digest", StringComparison.OrdinalIgnoreCase))
            return null;
        Dictionary<string, string> p = ParseParams(c[6..]);
        string realm = p.GetValueOrDefault("realm", "");
        string nonce = p.GetValueOrDefault("nonce", "");
        string algorithm = p.GetValueOrDefault("algorithm", "MD5");
        if (!algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase))
            return null;
        bool qopAuth = false;
        if (p.TryGetValue("qop", out string? qop))
        {
            foreach (string q in qop.Split(','))
                qopAuth |= q.Trim().Equals("auth", StringComparison.OrdinalIgnoreCase);
        }
        string ha1 = Md5Hex(user + ":" + realm + ":" + password);
        string ha2 = Md5Hex(method + ":" + uri);
        const string nc = "00000001";
        string response = qopAuth
            ? Md5Hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2)
            : Md5Hex(ha1 + ":" + nonce + ":" + ha2);
        var b = new StringBuilder(proxy ? "Proxy-Authorization: " : "Authorization: ");
        b.Append("Digest username=\"").Append(user).Append("\", realm=\"").Append(realm)
            .Append("\", nonce=\"").Append(nonce).Append("\", uri=\"").Append(uri)
            .Append("\", response=\"").Append(response).Append("\", algorithm=MD5");
        if (p.TryGetValue("opaque", out string? opaque))
            b.Append(", opaque=\"").Append(opaque).Append('"');
        if (qopAuth)
            b.Append(", qop=auth, nc=").Append(nc).Append(", cnonce=\"").Append(cnonce).Append('"');
        return b.ToString();
    }

    public static string Md5Hex(string text) =>
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>name=value pairs, values quoted or tokens, separated by commas.</summary>
    internal static Dictionary<string, string> ParseParams(string s)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && (s[i] == ',' || char.IsWhiteSpace(s[i])))
                i++;
            int eq = s.IndexOf('=', i);
            if (eq < 0)
                break;
            string name = s[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < s.Length && s[i] == '"')
            {
                int close = s.IndexOf('"', i + 1);
                if (close < 0)
                    close = s.Length;
                value = s[(i + 1)..close];
                i = close + 1;
            }
            else
            {
                int comma = s.IndexOf(',', i);
                if (comma < 0)
                    comma = s.Length;
                value = s[i..comma].Trim();
                i = comma;
            }
            result[name] = value;
        }
        return result;
    }

    internal static string NewCnonce(Random random) =>
        random.NextInt64().ToString("x16", CultureInfo.InvariantCulture);
}
