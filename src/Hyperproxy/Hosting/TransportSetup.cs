using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Hyperproxy.Modules;
using Hyperproxy.Modules.Tls;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Transport;
using Hyperproxy.Transport.Streams;

namespace Hyperproxy.Hosting;

/// <summary>The stream transports' settings from the script's core <c>tcp_*</c> parameters, proto_tcp/proto_tls and tls_mgm (or --tls-cert/--tls-key).</summary>
public static class TransportSetup
{
    /// <summary>Limits and timers: <c>tcp_connection_lifetime</c>, <c>tcp_connect_timeout</c>, <c>tcp_max_connections</c>, <c>tcp_keepalive</c>, ...</summary>
    public static StreamOptions StreamOptions(CompiledScript script, ModuleCatalog catalog)
    {
        GlobalSettings s = script.Program.Settings;
        return new StreamOptions
        {
            ConnectionLifetime = TimeSpan.FromSeconds(s.TcpConnectionLifetime),
            ConnectTimeout = TimeSpan.FromMilliseconds(s.TcpConnectTimeout),
            MaxConnections = s.TcpMaxConnections,
            MaxMessageTime = TimeSpan.FromSeconds(s.TcpMaxMessageTime),
            Backlog = Math.Max(s.TcpSocketBacklog, 128),
            KeepAlive = s.TcpKeepAlive,
            KeepIdleSeconds = s.TcpKeepIdle,
            KeepIntervalSeconds = s.TcpKeepInterval,
            KeepCount = s.TcpKeepCount,
            AcceptAliases = s.TcpAcceptAliases,
            CrlfPingPong = catalog.ProtoTcp.CrlfPingPong,
            HandshakeTimeout = TimeSpan.FromMilliseconds(catalog.ProtoTls.HandshakeTimeoutMs),
            WebSocketRequireOrigin = script.Program.IsModuleLoaded(Modules.ProtoWs.ProtoWsModule.WssName) ? catalog.ProtoWs.WssRequireOrigin && catalog.ProtoWs.WsRequireOrigin
                : catalog.ProtoWs.WsRequireOrigin,
        };
    }

    /// <summary>
    /// The TLS provider: tls_mgm's domains when the script loads it, else one server domain from --tls-cert/--tls-key
    /// (peers not asked for a certificate) and one client domain that verifies peers against the system's trust store.
    /// Null when nothing uses TLS. Missing or unreadable files stop start-up naming the file.
    /// </summary>
    public static ITlsProvider? Tls(ServerOptions options, CompiledScript script, ModuleCatalog catalog, IReadOnlyList<ListenSpec> listen)
    {
        bool tlsSockets = listen.Any(l => l.Transport.IsSecure());
        ScriptProgram program = script.Program;
        bool protoTls = program.IsModuleLoaded(ProtoTlsModule.Name);
        if (protoTls && !program.IsModuleLoaded(TlsMgmModule.Name))
        {
            throw new StartupException($"{options.ConfigPath}: proto_tls needs tls_mgm (its TLS domains); loadmodule \"tls_mgm.so\"");
        }

        if (listen.Any(l => l.Transport == TransportProtocol.Tls) && options.ConfigPath is not null && options.ListenGiven is false && !protoTls)
        {
            throw new StartupException("socket tls:...: listeners found for protocol tls, but no module can handle it; loadmodule \"proto_tls.so\"");
        }

        if (program.IsModuleLoaded(TlsMgmModule.Name) && catalog.TlsMgm.Domains.Count > 0)
        {
            var servers = new List<TlsDomain>();
            var clients = new List<TlsDomain>();
            foreach (TlsDomainSettings d in catalog.TlsMgm.Domains)
            {
                (d.IsServer ? servers : clients).Add(Load(d));
            }

            if (tlsSockets && servers.Count == 0)
            {
                throw new StartupException($"{options.ConfigPath}: tls sockets but no tls_mgm server_domain");
            }

            return Provider(servers, clients);
        }

        if (options.TlsCertificate is not null)
        {
            X509Certificate2 certificate = LoadPem(options.TlsCertificate, options.TlsKey!, "--tls-cert", "--tls-key");
            return Provider(
                [new TlsDomain { Name = "cli", IsServer = true, Certificate = certificate, VerifyCert = false, RequireCert = false }],
                [new TlsDomain { Name = "cli", IsServer = false, Certificate = certificate, VerifyCert = true }]);
        }

        if (tlsSockets)
        {
            throw new StartupException("tls sockets need a certificate: give --tls-cert FILE --tls-key FILE, or tls_mgm with a server_domain");
        }

        return null;
    }

    private static TlsProvider Provider(List<TlsDomain> servers, List<TlsDomain> clients)
    {
        try
        {
            return new TlsProvider(servers, clients);
        }
        catch (TransportException e)
        {
            throw new StartupException(e.Message, e);
        }
    }

    private static TlsDomain Load(TlsDomainSettings d)
    {
        string where = $"{d.Location}: TLS domain [{d.Name}]";
        X509Certificate2? certificate = null;
        if (d.Certificate is { } cert)
        {
            if (d.PrivateKey is not { } key)
            {
                throw new StartupException($"{where}: certificate without private_key");
            }

            certificate = LoadPem(cert.Path, key.Path, $"{cert.Location}: certificate", $"{key.Location}: private_key");
        }
        else if (d.IsServer)
        {
            throw new StartupException($"{where}: a server domain needs a certificate and a private_key");
        }

        X509Certificate2Collection? ca = null;
        if (d.CaList is { } caList)
        {
            ca = new X509Certificate2Collection();
            try
            {
                ca.ImportFromPemFile(caList.Path);
            }
            catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
            {
                throw new StartupException($"{caList.Location}: ca_list '{caList.Path}': {e.Message}", e);
            }

            if (ca.Count == 0)
            {
                throw new StartupException($"{caList.Location}: ca_list '{caList.Path}': no certificate in the file");
            }
        }

        var addresses = new List<NetAddress>();
        foreach (string text in d.MatchIpAddresses)
        {
            if (text == "*")
            {
                continue;
            }

            if (!IPEndPoint.TryParse(text, out IPEndPoint? ep))
            {
                throw new StartupException($"{where}: match_ip_address '{text}' is not ip[:port]");
            }

            addresses.Add(NetAddress.FromIPEndPoint(ep));
        }

        return new TlsDomain
        {
            Name = d.Name,
            IsServer = d.IsServer,
            Certificate = certificate,
            CaList = ca,
            Protocols = Protocols(d.TlsMethod),
            VerifyCert = d.VerifyCert,
            RequireCert = d.RequireCert,
            MatchAddresses = addresses,
            MatchSipDomains = d.MatchSipDomains.Where(n => n != "*").ToArray(),
        };
    }

    /// <summary>tls_method to versions: SSLv23 or "-" = the system's; TLSv1_2 = exactly 1.2; "TLSv1_2-" = 1.2 and up.</summary>
    private static SslProtocols Protocols(string method)
    {
        static int Rank(string m) => m switch { "TLSv1" => 0, "TLSv1_2" => 2, "TLSv1_3" => 3, _ => -1 };
        int dash = method.IndexOf('-');
        (int low, int high) = dash < 0
            ? (Rank(method), Rank(method))
            : (method[..dash].Length == 0 ? 0 : Rank(method[..dash]), method[(dash + 1)..].Length == 0 ? 3 : Rank(method[(dash + 1)..]));
        if (method == "SSLv23" || low < 0 || (low == 0 && high == 3))
        {
            return SslProtocols.None;
        }

        SslProtocols p = SslProtocols.None;
        if (low <= 2 && high >= 2)
        {
            p |= SslProtocols.Tls12;
        }

        if (high >= 3)
        {
            p |= SslProtocols.Tls13;
        }

#pragma warning disable SYSLIB0039 // TLS 1.0/1.1 only when the operator names them
        if (low <= 0)
        {
            p |= SslProtocols.Tls | SslProtocols.Tls11;
        }
#pragma warning restore SYSLIB0039

        return p;
    }

    private static X509Certificate2 LoadPem(string certificate, string key, string certWhat, string keyWhat)
    {
        if (!File.Exists(certificate))
        {
            throw new StartupException($"{certWhat} '{certificate}': no such file");
        }

        if (!File.Exists(key))
        {
            throw new StartupException($"{keyWhat} '{key}': no such file");
        }

        try
        {
            using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(certificate, key);
            // SslStream on Linux wants the key in a form it can export once; a PKCS#12 round trip gives that.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new StartupException($"{certWhat} '{certificate}' / {keyWhat} '{key}': {e.Message}", e);
        }
    }
}
