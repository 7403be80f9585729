namespace Hyperproxy.Modules.Registrar;

/// <summary>Byte literals of the registrar module.</summary>
internal static class RegistrarStrings
{
    public static ReadOnlySpan<byte> ContactHeader => "Contact: "u8;
    public static ReadOnlySpan<byte> ContactSeparator => ", "u8;
    public static ReadOnlySpan<byte> QParam => ";q="u8;
    public static ReadOnlySpan<byte> ExpiresParam => ";expires="u8;
    public static ReadOnlySpan<byte> EqualsQuote => "=\""u8;
    public static ReadOnlySpan<byte> PathHeader => "Path: "u8;
    public static ReadOnlySpan<byte> UnsupportedPath => "Unsupported: path\r\n"u8;
    public static ReadOnlySpan<byte> RegistrarErrorHeader => "P-Registrar-Error: "u8;
    public static ReadOnlySpan<byte> RetryAfterHeader => "Retry-After: "u8;
    public static ReadOnlySpan<byte> RouteHeader => "Route: "u8;
    public static ReadOnlySpan<byte> Crlf => "\r\n"u8;
    public static ReadOnlySpan<byte> RequireOutbound => "Require: outbound\r\n"u8;
    public static ReadOnlySpan<byte> FlowTimerHeader => "Flow-Timer: "u8;
    public static ReadOnlySpan<byte> InstanceParam => ";+sip.instance="u8;
    public static ReadOnlySpan<byte> RegIdParam => ";reg-id="u8;
    public static ReadOnlySpan<byte> OutboundTag => "outbound"u8;
}
