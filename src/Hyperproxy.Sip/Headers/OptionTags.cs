namespace Hyperproxy.Sip.Headers;

/// <summary>Option-tag lists: Supported, Require, Proxy-Require, Unsupported (RFC 3261 §20.37 etc.).</summary>
public static class OptionTags
{
    /// <summary>True when any header with <paramref name="id"/> lists <paramref name="tag"/> (case-insensitive).</summary>
    public static bool Contains(SipMessage message, HeaderId id, ReadOnlySpan<byte> tag)
    {
        foreach (HeaderValue v in message.Values(id))
        {
            if (SipText.EqualsIgnoreCase(message.Span(v.Value), tag))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Checks that every element of every header with <paramref name="id"/> is a token.</summary>
    public static SipError Validate(SipMessage message, HeaderId id)
    {
        foreach (HeaderValue v in message.Values(id))
        {
            if (!SipText.IsToken(message.Span(v.Value)))
            {
                return SipError.BadOptionTag;
            }
        }

        return SipError.None;
    }
}
