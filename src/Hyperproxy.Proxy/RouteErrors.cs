namespace Hyperproxy.Proxy;

/// <summary>
/// The status code and reason phrase sl_reply_error() answers for each <see cref="RouteError"/>
/// (0: none — the request is dropped or was no request), and the code forward()/send() return to
/// the script (OpenSIPS convention: negative is false; -2 malformed, -3 unusable destination,
/// -4 unresolved, -6 nothing could be sent).
/// </summary>
public static class RouteErrors
{
    /// <summary>What forward()/send() return when the request went out.</summary>
    public const int Routed = 1;

    private static readonly byte[][] s_reasons = CreateReasons();

    public static int StatusCode(RouteError error) => error switch
    {
        RouteError.BadRoute or RouteError.BadRequestUri or RouteError.BadDestination => 400,
        RouteError.NotUnicast => 403,
        RouteError.UnsupportedScheme => 416,
        RouteError.Unresolvable => 478,
        RouteError.Loop => 482,
        RouteError.FlowFailed => 430,
        RouteError.Internal => 500,
        RouteError.UnsupportedTransport or RouteError.NoSocket => 503,
        _ => 0,
    };

    public static ReadOnlySpan<byte> ReasonPhrase(RouteError error) => error switch
    {
        RouteError.BadRoute => "Bad Route"u8,
        RouteError.BadRequestUri => "Bad Request-URI"u8,
        RouteError.BadDestination => "Bad Destination"u8,
        RouteError.NotUnicast => "Destination Not Unicast"u8,
        RouteError.UnsupportedScheme => "Unsupported URI Scheme"u8,
        RouteError.Unresolvable => "Unresolvable Destination"u8,
        RouteError.Loop => "Loop Detected"u8,
        RouteError.Internal => "Server Internal Error"u8,
        RouteError.UnsupportedTransport => "Transport Not Supported"u8,
        RouteError.NoSocket => "No Socket For Address Family"u8,
        RouteError.FlowFailed => "Flow Failed"u8,
        _ => default,
    };

    /// <summary>The script's return code for a failure (<see cref="Routed"/> for <see cref="RouteError.None"/>).</summary>
    public static int ReturnCode(RouteError error) => error switch
    {
        RouteError.None => Routed,
        RouteError.BadRoute or RouteError.BadRequestUri or RouteError.BadDestination => -2,
        RouteError.UnsupportedScheme or RouteError.UnsupportedTransport or RouteError.NotUnicast or RouteError.FlowFailed => -3,
        RouteError.ResolutionPending or RouteError.Unresolvable => -4,
        RouteError.NoSocket or RouteError.OutputFull => -6,
        _ => -1,
    };

    /// <summary>
    /// <see cref="ReasonPhrase"/> as a long-lived array (what <see cref="Script.Runtime.ScriptContext.SetError"/>
    /// keeps for sl_reply_error()); one per error, made once.
    /// </summary>
    public static byte[] Reason(RouteError error) => s_reasons[(int)error];

    private static byte[][] CreateReasons()
    {
        var reasons = new byte[(int)RouteError.FlowFailed + 1][];
        for (int i = 0; i < reasons.Length; i++)
        {
            reasons[i] = ReasonPhrase((RouteError)i).ToArray();
        }

        return reasons;
    }
}
