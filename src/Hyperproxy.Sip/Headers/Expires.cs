namespace Hyperproxy.Sip.Headers;

/// <summary>delta-seconds values: Expires header, Contact expires parameter, Min-Expires.</summary>
public static class Expires
{
    /// <summary>Largest accepted delta-seconds (RFC 3261 §20.19: 2^32-1); larger values are an error.</summary>
    public const uint Max = uint.MaxValue;

    /// <summary>Parses 1*DIGIT (surrounding LWS allowed).</summary>
    public static bool TryParse(ReadOnlySpan<byte> v, out uint seconds)
    {
        int s = SipText.SkipLws(v, 0);
        int e = SipText.TrimEnd(v, s, v.Length);
        return SipText.TryParseUInt(v[s..e], Max, out seconds);
    }

    /// <summary>The Expires header of a message: <see cref="SipError.HeaderNotFound"/> when absent.</summary>
    public static SipError Get(SipMessage message, out uint seconds)
    {
        seconds = 0;
        int i = message.FindHeader(HeaderId.Expires);
        if (i < 0)
        {
            return SipError.HeaderNotFound;
        }

        return TryParse(message.Span(message.Header(i).Value), out seconds) ? SipError.None : SipError.BadExpires;
    }
}
