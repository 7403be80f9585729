namespace Hyperproxy.Script.Runtime.Variables;

/// <summary>Constant values the variables return (encoded once).</summary>
internal static class Constants
{
    public static readonly ScriptValue Udp = ScriptValue.FromBytes("udp"u8.ToArray());
    public static readonly ScriptValue Tls = ScriptValue.FromBytes("tls"u8.ToArray());
    public static readonly ScriptValue Tcp = ScriptValue.FromBytes("tcp"u8.ToArray());
    public static readonly ScriptValue UdpUpper = ScriptValue.FromBytes("UDP"u8.ToArray());
    public static readonly ScriptValue TcpUpper = ScriptValue.FromBytes("TCP"u8.ToArray());
    public static readonly ScriptValue TlsUpper = ScriptValue.FromBytes("TLS"u8.ToArray());
    public static readonly ScriptValue Ws = ScriptValue.FromBytes("ws"u8.ToArray());
    public static readonly ScriptValue Wss = ScriptValue.FromBytes("wss"u8.ToArray());
    public static readonly ScriptValue WsUpper = ScriptValue.FromBytes("WS"u8.ToArray());
    public static readonly ScriptValue WssUpper = ScriptValue.FromBytes("WSS"u8.ToArray());
    public static readonly ScriptValue Inet = ScriptValue.FromBytes("INET"u8.ToArray());
    public static readonly ScriptValue Inet6 = ScriptValue.FromBytes("INET6"u8.ToArray());
    public static readonly ScriptValue Port5060 = ScriptValue.FromBoth(5060, "5060"u8.ToArray(), 0, 4);
    public static readonly ScriptValue Port5061 = ScriptValue.FromBoth(5061, "5061"u8.ToArray(), 0, 4);
    public static readonly long StartSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
