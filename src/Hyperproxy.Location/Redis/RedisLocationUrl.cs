using System.Globalization;

namespace Hyperproxy.Location.Redis;

/// <summary>
/// A cachedb_redis URL as OpenSIPS writes it (spec §4.3): <c>redis[:group]://[user:]password@host[:port][,host[:port]...]/[db]</c>.
/// Several hosts are one server set (a Redis Cluster is found by asking any of them, a standalone primary
/// among replicas likewise). The group name is accepted and ignored: Hyperproxy has no <c>cache_*</c> script
/// functions that would name it. TLS (<c>?tls_domain=</c>) is refused.
/// </summary>
public sealed record RedisLocationUrl(IReadOnlyList<(string Host, int Port)> Hosts, string? User, string? Password, int Database)
{
    public const int DefaultPort = 6379;

    /// <summary>Parses <paramref name="text"/>; false with a reason that says what is wrong.</summary>
    public static bool TryParse(string? text, out RedisLocationUrl? url, out string error)
    {
        url = null;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "an empty URL; use redis://HOST:PORT/";
            return false;
        }

        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        string name = scheme < 0 ? string.Empty : text[..scheme];
        if (scheme < 0 || !(name == "redis" || name.StartsWith("redis:", StringComparison.Ordinal)))
        {
            error = $"'{text}' is not a Redis URL; use redis://HOST:PORT/ (or redis:GROUP://HOST:PORT,HOST:PORT/ for several servers)";
            return false;
        }

        string rest = text[(scheme + 3)..];
        if (rest.Contains('?', StringComparison.Ordinal))
        {
            error = $"'{text}': URL parameters (tls_domain) are not supported; Hyperproxy talks to Redis without TLS";
            return false;
        }

        string? user = null;
        string? password = null;
        int at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            string credentials = rest[..at];
            rest = rest[(at + 1)..];
            int colon = credentials.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                password = credentials;
            }
            else
            {
                user = colon == 0 ? null : credentials[..colon];
                password = credentials[(colon + 1)..];
            }

            if (password is { Length: 0 })
            {
                password = null;
            }
        }

        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        string hostList = slash < 0 ? rest : rest[..slash];
        string dbText = slash < 0 ? string.Empty : rest[(slash + 1)..];
        int database = 0;
        if (dbText.Length > 0 && (!int.TryParse(dbText, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 15))
        {
            error = $"'{text}': '{dbText}' is not a database number (0..15)";
            return false;
        }

        var hosts = new List<(string, int)>();
        foreach (string part in hostList.Split(','))
        {
            if (!TryParseHost(part, out string host, out int port))
            {
                error = $"'{text}': '{part}' is not HOST[:PORT]";
                return false;
            }

            hosts.Add((host, port));
        }

        url = new RedisLocationUrl(hosts, user, password, database);
        return true;
    }

    private static bool TryParseHost(string text, out string host, out int port)
    {
        host = text;
        port = DefaultPort;
        if (text.Length == 0)
        {
            return false;
        }

        int colon = text.StartsWith('[') ? text.IndexOf("]:", StringComparison.Ordinal) + 1 : text.LastIndexOf(':');
        if (colon > 0 && (text[0] == '[' || text.IndexOf(':') == colon))
        {
            host = text[..colon];
            if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                return false;
            }
        }

        host = host.Trim('[', ']');
        return host.Length > 0 && !host.Contains('/', StringComparison.Ordinal);
    }

    /// <summary>The servers as <c>host:port,host:port</c> (for logs).</summary>
    public string Describe() => string.Join(",", Hosts.Select(h => h.Host.Contains(':', StringComparison.Ordinal) ? $"[{h.Host}]:{h.Port}" : $"{h.Host}:{h.Port}"))
        + (Database != 0 ? "/" + Database.ToString(CultureInfo.InvariantCulture) : string.Empty);
}
