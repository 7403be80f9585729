using Hyperproxy.Script.Declarations;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Tls;

/// <summary>
/// proto_tls (OpenSIPS <c>modules/proto_tls</c>): SIP over TLS (RFC 3261 §26), on <see cref="System.Net.Security.SslStream"/>.
/// Needs tls_mgm (its domains) and accepts tls_openssl as the library module. No functions.
/// </summary>
public sealed class ProtoTlsModule
{
    public const string Name = "proto_tls";

    public const int DefaultPort = 5061;

    public ProtoTlsModule()
    {
        Exports = new ModuleDeclaration(Name, [],
        [
            OnlyDefault("tls_port", DefaultPort, $"a TLS socket without a port listens on {DefaultPort}; write the port in socket=tls:HOST:PORT"),
            Int("tls_handshake_timeout", 2000, v => HandshakeTimeoutMs = v, v => v < 1 ? "must be at least 1 (milliseconds)" : null),
            Int("tls_crlf_pingpong", 1, v => CrlfPingPong = v != 0),
        ]);
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    /// <summary><c>tls_handshake_timeout</c> milliseconds (default 2000 here; OpenSIPS's 100 ms is too tight for a loaded host).</summary>
    public int HandshakeTimeoutMs { get; private set; } = 2000;

    public bool CrlfPingPong { get; private set; } = true;
}

/// <summary>tls_openssl: accepted so OpenSIPS scripts load; the TLS library is the platform's, behind SslStream.</summary>
public sealed class TlsOpensslModule
{
    public const string Name = "tls_openssl";

    public ModuleDeclaration Exports { get; } = new(Name, [], []);
}
