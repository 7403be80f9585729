using Hyperproxy.Script.Declarations;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.ProtoUdp;

/// <summary>
/// proto_udp (OpenSIPS <c>modules/proto_udp</c>): the UDP transport, which Hyperproxy's workers are. No
/// functions; the sockets come from <c>socket=</c>/<c>listen=</c> or <c>--listen</c>.
/// </summary>
public sealed class ProtoUdpModule
{
    public const string Name = "proto_udp";

    /// <summary>The port of a UDP socket written without one.</summary>
    public const int DefaultPort = 5060;

    public ProtoUdpModule()
    {
        Exports = new ModuleDeclaration(Name, [],
        [
            OnlyDefault("udp_port", DefaultPort, $"a UDP socket without a port listens on {DefaultPort}; write the port in socket=udp:HOST:PORT"),
        ]);
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }
}
