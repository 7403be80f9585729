using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Streams;

/// <summary>
/// TLS over <see cref="SslStream"/> with OpenSIPS's TLS domains: an accepted connection takes the server domain that
/// matches its local address (an exact address before <c>*</c>) and then its SNI name (most specific wins; a name that
/// matches no domain is refused); a connection we open takes the first client domain matching its destination. No
/// domain, no TLS (3.x has no implicit default domain).
/// </summary>
public sealed class TlsProvider : ITlsProvider
{
    private readonly TlsDomain[] _servers;
    private readonly TlsDomain[] _clients;
    private readonly SslServerAuthenticationOptions[] _serverOptions;

    public TlsProvider(IReadOnlyList<TlsDomain> servers, IReadOnlyList<TlsDomain> clients)
    {
        _servers = [.. servers];
        _clients = [.. clients];
        foreach (TlsDomain d in _servers)
        {
            if (d.Certificate is null || !d.Certificate.HasPrivateKey)
                throw new TransportException($"TLS server domain [{d.Name}]: no certificate with a private key");
        }
        // One set of options per server domain for every handshake: its certificate context (the chain built once,
        // and the native TLS context the runtime keeps with it) is shared instead of being made again per connection.
        _serverOptions = new SslServerAuthenticationOptions[_servers.Length];
        for (int i = 0; i < _servers.Length; i++)
            _serverOptions[i] = ServerOptionsFor(_servers[i]);
    }

    public async Task<Stream> AuthenticateAsServerAsync(Stream inner, NetAddress local, CancellationToken cancel)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync((_, hello, _, _) => ValueTask.FromResult(ServerOptions(local, hello.ServerName)), null, cancel)
                .ConfigureAwait(false);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<Stream> AuthenticateAsClientAsync(Stream inner, NetAddress destination, CancellationToken cancel)
    {
        TlsDomain domain = SelectClient(destination)
            ?? throw new System.Security.Authentication.AuthenticationException($"no TLS client domain matches {destination}");
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = destination.HostToString().Trim('[', ']'),
                EnabledSslProtocols = domain.Protocols,
                ClientCertificates = domain.Certificate is null ? null : new X509CertificateCollection { domain.Certificate },
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => Validate(domain, certificate, errors, requireCertificate: true),
            };
            await ssl.AuthenticateAsClientAsync(options, cancel).ConfigureAwait(false);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The server domain for a connection to <paramref name="local"/> with SNI <paramref name="sni"/>, or null.</summary>
    public TlsDomain? SelectServer(in NetAddress local, string? sni)
    {
        TlsDomain? best = null;
        int bestScore = 0;
        foreach (bool exact in (bool[])[true, false])
        {
            foreach (TlsDomain d in _servers)
            {
                if ((d.MatchAddresses.Count > 0) != exact || !d.MatchesAddress(local))
                    continue;
                int score = d.MatchesServerName(sni);
                if (score > bestScore)
                {
                    best = d;
                    bestScore = score;
                }
            }
            if (best is not null)
                return best;
        }
        return null;
    }

    /// <summary>The client domain for a connection to <paramref name="destination"/>, or null.</summary>
    public TlsDomain? SelectClient(in NetAddress destination)
    {
        foreach (bool exact in (bool[])[true, false])
        {
            foreach (TlsDomain d in _clients)
            {
                if ((d.MatchAddresses.Count > 0) == exact && d.MatchesAddress(destination))
                    return d;
            }
        }
        return null;
    }

    private SslServerAuthenticationOptions ServerOptions(NetAddress local, string? sni)
    {
        TlsDomain domain = SelectServer(local, sni)
            ?? throw new System.Security.Authentication.AuthenticationException($"no TLS server domain matches {local} / SNI '{sni}'");
        return _serverOptions[Array.IndexOf(_servers, domain)];
    }

    private static SslServerAuthenticationOptions ServerOptionsFor(TlsDomain domain)
    {
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(domain.Certificate!, additionalCertificates: null, offline: true),
            EnabledSslProtocols = domain.Protocols,
            ClientCertificateRequired = domain.VerifyCert,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                !domain.VerifyCert || Validate(domain, certificate, errors, domain.RequireCert),
        };
    }

    private static bool Validate(TlsDomain domain, X509Certificate? certificate, SslPolicyErrors errors, bool requireCertificate)
    {
        if (!domain.VerifyCert)
            return true;
        if (certificate is null)
            return !requireCertificate;
        // OpenSIPS verifies the chain (SSL_VERIFY_PEER), not the name: a SIP peer is often reached by address.
        if (domain.CaList is null)
            return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(domain.CaList);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
