using Hyperproxy.Sip;

namespace Hyperproxy.Script.Runtime.Variables;

/// <summary>Parts of a URI held in a <see cref="ScriptValue"/>, as sub-slices (no copy).</summary>
internal static class UriParts
{
    public static ScriptValue User(in ScriptValue uri) =>
        SipUri.TryParse(uri.Span, out SipUri u) && u.User.IsPresent ? uri.Slice(u.User) : ScriptValue.Null;

    public static ScriptValue Host(in ScriptValue uri) =>
        SipUri.TryParse(uri.Span, out SipUri u) && u.Host.IsPresent ? uri.Slice(u.Host) : ScriptValue.Null;

    /// <summary>The port; absent → the scheme's default (5060, 5061 for sips) when <paramref name="defaulted"/>.</summary>
    public static ScriptValue Port(ScriptContext context, in ScriptValue uri, bool defaulted)
    {
        if (!SipUri.TryParse(uri.Span, out SipUri u))
        {
            return ScriptValue.Null;
        }

        if (u.Port.IsPresent && u.Port.Length > 0)
        {
            ScriptValue s = uri.Slice(u.Port);
            return ScriptValue.FromBoth(u.PortNumber, s.Buffer!, s.Start, s.Length);
        }

        if (!defaulted)
        {
            return ScriptValue.Null;
        }

        return u.Scheme == UriScheme.Sips ? Constants.Port5061 : Constants.Port5060;
    }

    public static ScriptValue Transport(in ScriptValue uri)
    {
        if (!SipUri.TryParse(uri.Span, out SipUri u))
        {
            return ScriptValue.Null;
        }

        if (u.Transport.IsPresent)
        {
            return uri.Slice(u.Transport);
        }

        return u.Scheme == UriScheme.Sips ? Constants.Tls : Constants.Udp;
    }

    public static ScriptValue Params(in ScriptValue uri) =>
        SipUri.TryParse(uri.Span, out SipUri u) && u.Params.IsPresent ? uri.Slice(u.Params) : ScriptValue.Null;

    public static ScriptValue Headers(in ScriptValue uri) =>
        SipUri.TryParse(uri.Span, out SipUri u) && u.Headers.IsPresent ? uri.Slice(u.Headers) : ScriptValue.Null;

    /// <summary>The scheme as written before the first ':' (sip, sips, tel); NULL when the value is not a URI.</summary>
    public static ScriptValue Scheme(in ScriptValue uri) =>
        SipUri.TryParse(uri.Span, out _) ? uri.Slice(0, uri.Span.IndexOf((byte)':')) : ScriptValue.Null;
}
