namespace Hyperproxy.Modules;

/// <summary>Byte literals of the rr and path modules.</summary>
internal static class ModuleStrings
{
    public static ReadOnlySpan<byte> RecordRouteSip => "Record-Route: <sip:"u8;
    public static ReadOnlySpan<byte> RecordRouteSips => "Record-Route: <sips:"u8;
    public static ReadOnlySpan<byte> PathSip => "Path: <sip:"u8;
    public static ReadOnlySpan<byte> RouteOpen => "Route: <"u8;
    public static ReadOnlySpan<byte> Lr => ";lr"u8;
    public static ReadOnlySpan<byte> R2On => ";r2=on"u8;
    public static ReadOnlySpan<byte> FtagParam => ";ftag="u8;
    public static ReadOnlySpan<byte> ReceivedParam => ";received="u8;
    public static ReadOnlySpan<byte> Sip => "sip:"u8;
    public static ReadOnlySpan<byte> CloseLine => ">\r\n"u8;
    public static ReadOnlySpan<byte> LrName => "lr"u8;
    public static ReadOnlySpan<byte> R2Name => "r2"u8;
    public static ReadOnlySpan<byte> GrName => "gr"u8;
    public static ReadOnlySpan<byte> FtagName => "ftag"u8;
    public static ReadOnlySpan<byte> ReceivedName => "received"u8;
    public static ReadOnlySpan<byte> TransportName => "transport"u8;
    public static ReadOnlySpan<byte> EscapedTransport => "%3btransport%3d"u8;
    public static ReadOnlySpan<byte> PathTag => "path"u8;
}
