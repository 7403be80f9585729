using Hyperproxy.Script.Declarations;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.ProtoWs;

/// <summary>
/// proto_ws / proto_wss (OpenSIPS <c>modules/proto_ws</c>, <c>modules/proto_wss</c>): SIP over WebSocket (RFC 7118) on
/// <c>socket=ws:...</c> / <c>socket=wss:...</c> (wss needs tls_mgm's server domain, or --tls-cert/--tls-key). Hyperproxy is the
/// WebSocket server only: it answers the upgrade and reaches a WebSocket client over that client's own connection.
/// </summary>
public sealed class ProtoWsModule
{
    public const string WsName = "proto_ws";
    public const string WssName = "proto_wss";

    public ProtoWsModule()
    {
        WsExports = new ModuleDeclaration(WsName, [],
        [
            OnlyDefault("ws_port", 80, "a WS socket without a port listens on 80; write the port in socket=ws:HOST:PORT"),
            Int("require_origin", 1, v => WsRequireOrigin = v != 0),
        ]);
        WssExports = new ModuleDeclaration(WssName, [],
        [
            OnlyDefault("wss_port", 443, "a WSS socket without a port listens on 443; write the port in socket=wss:HOST:PORT"),
            Int("require_origin", 1, v => WssRequireOrigin = v != 0),
        ]);
        ModuleTable.ApplyDefaults(WsExports);
        ModuleTable.ApplyDefaults(WssExports);
    }

    public ModuleDeclaration WsExports { get; }

    public ModuleDeclaration WssExports { get; }

    /// <summary><c>require_origin</c>: the upgrade request must carry Origin (both default 1).</summary>
    public bool WsRequireOrigin { get; private set; } = true;

    public bool WssRequireOrigin { get; private set; } = true;
}
