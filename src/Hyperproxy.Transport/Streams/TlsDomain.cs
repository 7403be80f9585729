using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Streams;

/// <summary>
/// An OpenSIPS tls_mgm TLS domain, loaded: a server domain is used for accepted connections, a client domain for the
/// connections we open. <see cref="MatchAddresses"/> empty = <c>*</c> (any); <see cref="MatchSipDomains"/> empty = <c>*</c>.
/// </summary>
public sealed class TlsDomain
{
    public required string Name { get; init; }

    public required bool IsServer { get; init; }

    /// <summary>Our certificate with its private key (required for a server domain).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary><c>ca_list</c>: the CAs a peer's certificate must chain to; null = the system's trust store.</summary>
    public X509Certificate2Collection? CaList { get; init; }

    /// <summary><c>tls_method</c>: the allowed versions (None = the system's defaults).</summary>
    public SslProtocols Protocols { get; init; }

    /// <summary><c>verify_cert</c>: ask for (server) / check (client) the peer's certificate.</summary>
    public bool VerifyCert { get; init; } = true;

    /// <summary><c>require_cert</c> (server, with verify_cert): a client without a certificate fails the handshake.</summary>
    public bool RequireCert { get; init; } = true;

    /// <summary><c>match_ip_address</c>: server: the local socket; client: the destination (port 0 = any port).</summary>
    public IReadOnlyList<NetAddress> MatchAddresses { get; init; } = [];

    /// <summary><c>match_sip_domain</c>: server: the SNI name (shell wildcards; <c>none</c> = no SNI).</summary>
    public IReadOnlyList<string> MatchSipDomains { get; init; } = [];

    internal bool MatchesAddress(in NetAddress address)
    {
        if (MatchAddresses.Count == 0)
            return true;
        foreach (NetAddress a in MatchAddresses)
        {
            if (a.HostEquals(address) && (a.Port == 0 || a.Port == address.Port))
                return true;
        }
        return false;
    }

    /// <summary>0: no match; higher is more specific (an exact name beats a wildcard beats <c>*</c>).</summary>
    internal int MatchesServerName(string? sni)
    {
        if (MatchSipDomains.Count == 0)
            return 1;
        int best = 0;
        foreach (string pattern in MatchSipDomains)
        {
            int score = pattern switch
            {
                "*" => 1,
                "none" => string.IsNullOrEmpty(sni) ? 2 : 0,
                _ when string.IsNullOrEmpty(sni) => 0,
                _ when !pattern.Contains('*') => string.Equals(pattern, sni, StringComparison.OrdinalIgnoreCase) ? 4 : 0,
                _ => System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(pattern, sni, ignoreCase: true) ? 3 : 0,
            };
            best = Math.Max(best, score);
        }
        return best;
    }
}
