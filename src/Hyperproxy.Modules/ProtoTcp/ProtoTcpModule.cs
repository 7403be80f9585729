using Hyperproxy.Script.Declarations;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.ProtoTcp;

/// <summary>
/// proto_tcp (OpenSIPS <c>net/proto_tcp</c>): SIP over TCP (RFC 3261 §18). No functions; the sockets come from
/// <c>socket=tcp:...</c> or <c>--listen tcp:...</c>; the connection limits and timers are the core <c>tcp_*</c>
/// parameters. Connections are read off the workers and each message enters its worker like a datagram.
/// </summary>
public sealed class ProtoTcpModule
{
    public const string Name = "proto_tcp";

    /// <summary>The port of a TCP socket written without one.</summary>
    public const int DefaultPort = 5060;

    public ProtoTcpModule()
    {
        Exports = new ModuleDeclaration(Name, [],
        [
            OnlyDefault("tcp_port", DefaultPort, $"a TCP socket without a port listens on {DefaultPort}; write the port in socket=tcp:HOST:PORT"),
            Int("tcp_crlf_pingpong", 1, v => CrlfPingPong = v != 0),
            OnlyDefault("tcp_async", 1, "connects and writes are always asynchronous (off the workers)"),
        ]);
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    /// <summary><c>tcp_crlf_pingpong</c>: answer an RFC 5626 CRLFCRLF ping with a CRLF pong.</summary>
    public bool CrlfPingPong { get; private set; } = true;
}
