using Hyperproxy.Script.Text;

namespace Hyperproxy.Modules.Tls;

/// <summary>One TLS domain as tls_mgm's modparams describe it (files are loaded at start-up by the server).</summary>
public sealed class TlsDomainSettings(string name, bool isServer, SourceLocation location)
{
    public string Name { get; } = name;

    public bool IsServer { get; } = isServer;

    /// <summary>Where the domain was declared (server_domain / client_domain).</summary>
    public SourceLocation Location { get; } = location;

    /// <summary><c>certificate</c>: PEM file, with where it was set.</summary>
    public (string Path, SourceLocation Location)? Certificate { get; internal set; }

    /// <summary><c>private_key</c>: PEM file.</summary>
    public (string Path, SourceLocation Location)? PrivateKey { get; internal set; }

    /// <summary><c>ca_list</c>: PEM file of trusted CAs.</summary>
    public (string Path, SourceLocation Location)? CaList { get; internal set; }

    /// <summary><c>tls_method</c> as written (validated): SSLv23, TLSv1, TLSv1_2, TLSv1_3 or a range LOW-HIGH.</summary>
    public string TlsMethod { get; internal set; } = "SSLv23";

    public bool VerifyCert { get; internal set; } = true;

    public bool RequireCert { get; internal set; } = true;

    /// <summary><c>match_ip_address</c> entries (ip[:port]); empty = <c>*</c>.</summary>
    public List<string> MatchIpAddresses { get; } = [];

    /// <summary><c>match_sip_domain</c> entries; empty = <c>*</c>.</summary>
    public List<string> MatchSipDomains { get; } = [];
}
