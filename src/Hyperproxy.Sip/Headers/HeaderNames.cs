using System.Runtime.CompilerServices;

namespace Hyperproxy.Sip.Headers;

/// <summary>Maps raw header names (any case, compact forms) to <see cref="HeaderId"/>.</summary>
public static class HeaderNames
{
    /// <summary>Recognises a header name; returns <see cref="HeaderId.Other"/> for unknown names.</summary>
    public static HeaderId Lookup(ReadOnlySpan<byte> name)
    {
        if (name.Length == 1)
        {
            return Compact(name[0]);
        }

        if (name.IsEmpty)
        {
            return HeaderId.Other;
        }

        int first = name[0] | 0x20;
        switch (name.Length)
        {
            case 2:
                return Is(name, "to"u8) ? HeaderId.To : HeaderId.Other;
            case 3:
                return Is(name, "via"u8) ? HeaderId.Via : HeaderId.Other;
            case 4:
                return first switch
                {
                    'f' when Is(name, "from"u8) => HeaderId.From,
                    'c' when Is(name, "cseq"u8) => HeaderId.CSeq,
                    'p' when Is(name, "path"u8) => HeaderId.Path,
                    'd' when Is(name, "date"u8) => HeaderId.Date,
                    'r' when Is(name, "rseq"u8) => HeaderId.RSeq,
                    'r' when Is(name, "rack"u8) => HeaderId.RAck,
                    _ => HeaderId.Other,
                };
            case 5:
                return first switch
                {
                    'r' when Is(name, "route"u8) => HeaderId.Route,
                    'a' when Is(name, "allow"u8) => HeaderId.Allow,
                    'e' when Is(name, "event"u8) => HeaderId.Event,
                    _ => HeaderId.Other,
                };
            case 6:
                return first switch
                {
                    's' when Is(name, "server"u8) => HeaderId.Server,
                    'a' when Is(name, "accept"u8) => HeaderId.Accept,
                    'm' when Is(name, "min-se"u8) => HeaderId.MinSE,
                    'r' when Is(name, "reason"u8) => HeaderId.Reason,
                    _ => HeaderId.Other,
                };
            case 7:
                return first switch
                {
                    'c' when Is(name, "call-id"u8) => HeaderId.CallId,
                    'c' when Is(name, "contact"u8) => HeaderId.Contact,
                    'e' when Is(name, "expires"u8) => HeaderId.Expires,
                    'r' when Is(name, "require"u8) => HeaderId.Require,
                    's' when Is(name, "subject"u8) => HeaderId.Subject,
                    'w' when Is(name, "warning"u8) => HeaderId.Warning,
                    'p' when Is(name, "privacy"u8) => HeaderId.Privacy,
                    _ => HeaderId.Other,
                };
            case 8:
                return first switch
                {
                    'r' when Is(name, "refer-to"u8) => HeaderId.ReferTo,
                    'r' when Is(name, "reply-to"u8) => HeaderId.ReplyTo,
                    'p' when Is(name, "priority"u8) => HeaderId.Priority,
                    'i' when Is(name, "identity"u8) => HeaderId.Identity,
                    'r' when Is(name, "replaces"u8) => HeaderId.Replaces,
                    _ => HeaderId.Other,
                };
            case 9:
                return first switch
                {
                    's' when Is(name, "supported"u8) => HeaderId.Supported,
                    't' when Is(name, "timestamp"u8) => HeaderId.Timestamp,
                    'c' when Is(name, "call-info"u8) => HeaderId.CallInfo,
                    _ => HeaderId.Other,
                };
            case 10:
                return first switch
                {
                    'u' when Is(name, "user-agent"u8) => HeaderId.UserAgent,
                    'a' when Is(name, "alert-info"u8) => HeaderId.AlertInfo,
                    'e' when Is(name, "error-info"u8) => HeaderId.ErrorInfo,
                    _ => HeaderId.Other,
                };
            case 11:
                return first switch
                {
                    'm' when Is(name, "min-expires"u8) => HeaderId.MinExpires,
                    'r' when Is(name, "referred-by"u8) => HeaderId.ReferredBy,
                    'r' when Is(name, "retry-after"u8) => HeaderId.RetryAfter,
                    'i' when Is(name, "in-reply-to"u8) => HeaderId.InReplyTo,
                    'u' when Is(name, "unsupported"u8) => HeaderId.Unsupported,
                    _ => HeaderId.Other,
                };
            case 12:
                return first switch
                {
                    'm' when Is(name, "max-forwards"u8) => HeaderId.MaxForwards,
                    'r' when Is(name, "record-route"u8) => HeaderId.RecordRoute,
                    'c' when Is(name, "content-type"u8) => HeaderId.ContentType,
                    'a' when Is(name, "allow-events"u8) => HeaderId.AllowEvents,
                    'o' when Is(name, "organization"u8) => HeaderId.Organization,
                    'm' when Is(name, "mime-version"u8) => HeaderId.MimeVersion,
                    _ => HeaderId.Other,
                };
            case 13:
                return first switch
                {
                    'p' when Is(name, "proxy-require"u8) => HeaderId.ProxyRequire,
                    'a' when Is(name, "authorization"u8) => HeaderId.Authorization,
                    's' when Is(name, "service-route"u8) => HeaderId.ServiceRoute,
                    'r' when Is(name, "reject-contact"u8) => HeaderId.RejectContact,
                    'a' when Is(name, "accept-contact"u8) => HeaderId.AcceptContact,
                    _ => HeaderId.Other,
                };
            case 14:
                return first switch
                {
                    'c' when Is(name, "content-length"u8) => HeaderId.ContentLength,
                    _ => HeaderId.Other,
                };
            case 15:
                return first switch
                {
                    'a' when Is(name, "accept-encoding"u8) => HeaderId.AcceptEncoding,
                    'a' when Is(name, "accept-language"u8) => HeaderId.AcceptLanguage,
                    's' when Is(name, "session-expires"u8) => HeaderId.SessionExpires,
                    _ => HeaderId.Other,
                };
            case 16:
                return first switch
                {
                    'w' when Is(name, "www-authenticate"u8) => HeaderId.WwwAuthenticate,
                    'c' when Is(name, "content-encoding"u8) => HeaderId.ContentEncoding,
                    _ => HeaderId.Other,
                };
            case 18:
                return first switch
                {
                    'p' when Is(name, "proxy-authenticate"u8) => HeaderId.ProxyAuthenticate,
                    's' when Is(name, "subscription-state"u8) => HeaderId.SubscriptionState,
                    _ => HeaderId.Other,
                };
            case 19:
                return first switch
                {
                    'p' when Is(name, "proxy-authorization"u8) => HeaderId.ProxyAuthorization,
                    'c' when Is(name, "content-disposition"u8) => HeaderId.ContentDisposition,
                    'a' when Is(name, "authentication-info"u8) => HeaderId.AuthenticationInfo,
                    'r' when Is(name, "request-disposition"u8) => HeaderId.RequestDisposition,
                    'p' when Is(name, "p-asserted-identity"u8) => HeaderId.PAssertedIdentity,
                    _ => HeaderId.Other,
                };
            case 20:
                return first switch
                {
                    'p' when Is(name, "p-preferred-identity"u8) => HeaderId.PPreferredIdentity,
                    _ => HeaderId.Other,
                };
            default:
                return HeaderId.Other;
        }
    }

    /// <summary>The canonical (long-form) name of a header id, empty for <see cref="HeaderId.Other"/>.</summary>
    public static ReadOnlySpan<byte> Canonical(HeaderId id) => id switch
    {
        HeaderId.Via => "Via"u8,
        HeaderId.From => "From"u8,
        HeaderId.To => "To"u8,
        HeaderId.CallId => "Call-ID"u8,
        HeaderId.CSeq => "CSeq"u8,
        HeaderId.MaxForwards => "Max-Forwards"u8,
        HeaderId.Contact => "Contact"u8,
        HeaderId.Route => "Route"u8,
        HeaderId.RecordRoute => "Record-Route"u8,
        HeaderId.Path => "Path"u8,
        HeaderId.ContentLength => "Content-Length"u8,
        HeaderId.ContentType => "Content-Type"u8,
        HeaderId.Expires => "Expires"u8,
        HeaderId.Supported => "Supported"u8,
        HeaderId.Require => "Require"u8,
        HeaderId.ProxyRequire => "Proxy-Require"u8,
        HeaderId.Unsupported => "Unsupported"u8,
        HeaderId.Authorization => "Authorization"u8,
        HeaderId.ProxyAuthorization => "Proxy-Authorization"u8,
        HeaderId.WwwAuthenticate => "WWW-Authenticate"u8,
        HeaderId.ProxyAuthenticate => "Proxy-Authenticate"u8,
        HeaderId.UserAgent => "User-Agent"u8,
        HeaderId.Server => "Server"u8,
        _ => default,
    };

    private static HeaderId Compact(byte b) => (b | 0x20) switch
    {
        'i' => HeaderId.CallId,
        'm' => HeaderId.Contact,
        'e' => HeaderId.ContentEncoding,
        'l' => HeaderId.ContentLength,
        'c' => HeaderId.ContentType,
        'f' => HeaderId.From,
        's' => HeaderId.Subject,
        'k' => HeaderId.Supported,
        't' => HeaderId.To,
        'v' => HeaderId.Via,
        'u' => HeaderId.AllowEvents,
        'o' => HeaderId.Event,
        'r' => HeaderId.ReferTo,
        'b' => HeaderId.ReferredBy,
        'x' => HeaderId.SessionExpires,
        'y' => HeaderId.Identity,
        'a' => HeaderId.AcceptContact,
        'j' => HeaderId.RejectContact,
        'd' => HeaderId.RequestDisposition,
        _ => HeaderId.Other,
    };

    /// <summary>Compares <paramref name="name"/> with a lower-case letters-and-dashes literal of the same length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lower) => SipText.EqualsLower(name, lower);
}
