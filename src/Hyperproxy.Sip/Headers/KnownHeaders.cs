namespace Hyperproxy.Sip.Headers;

/// <summary>
/// The one list of header names the parser recognises. <see cref="HeaderNames"/> builds its
/// length-and-first-letter index, the compact-form table and the canonical names from it at start-up,
/// so a name cannot be filed under the wrong length; add a header here and nowhere else.
/// </summary>
public static class KnownHeaders
{
    private static readonly KnownHeader[] s_all =
    [
        new("Via", 'v', HeaderId.Via),
        new("From", 'f', HeaderId.From),
        new("To", 't', HeaderId.To),
        new("Call-ID", 'i', HeaderId.CallId),
        new("CSeq", '\0', HeaderId.CSeq),
        new("Max-Forwards", '\0', HeaderId.MaxForwards),
        new("Contact", 'm', HeaderId.Contact),
        new("Route", '\0', HeaderId.Route),
        new("Record-Route", '\0', HeaderId.RecordRoute),
        new("Path", '\0', HeaderId.Path),
        new("Content-Length", 'l', HeaderId.ContentLength),
        new("Content-Type", 'c', HeaderId.ContentType),
        new("Content-Encoding", 'e', HeaderId.ContentEncoding),
        new("Content-Disposition", '\0', HeaderId.ContentDisposition),
        new("Expires", '\0', HeaderId.Expires),
        new("Min-Expires", '\0', HeaderId.MinExpires),
        new("Supported", 'k', HeaderId.Supported),
        new("Require", '\0', HeaderId.Require),
        new("Proxy-Require", '\0', HeaderId.ProxyRequire),
        new("Unsupported", '\0', HeaderId.Unsupported),
        new("Authorization", '\0', HeaderId.Authorization),
        new("Proxy-Authorization", '\0', HeaderId.ProxyAuthorization),
        new("WWW-Authenticate", '\0', HeaderId.WwwAuthenticate),
        new("Proxy-Authenticate", '\0', HeaderId.ProxyAuthenticate),
        new("Authentication-Info", '\0', HeaderId.AuthenticationInfo),
        new("User-Agent", '\0', HeaderId.UserAgent),
        new("Server", '\0', HeaderId.Server),
        new("Allow", '\0', HeaderId.Allow),
        new("Allow-Events", 'u', HeaderId.AllowEvents),
        new("Event", 'o', HeaderId.Event),
        new("Subject", 's', HeaderId.Subject),
        new("Refer-To", 'r', HeaderId.ReferTo),
        new("Referred-By", 'b', HeaderId.ReferredBy),
        new("Session-Expires", 'x', HeaderId.SessionExpires),
        new("Min-SE", '\0', HeaderId.MinSE),
        new("Accept", '\0', HeaderId.Accept),
        new("Accept-Encoding", '\0', HeaderId.AcceptEncoding),
        new("Accept-Language", '\0', HeaderId.AcceptLanguage),
        new("Accept-Contact", 'a', HeaderId.AcceptContact),
        new("Reject-Contact", 'j', HeaderId.RejectContact),
        new("Request-Disposition", 'd', HeaderId.RequestDisposition),
        new("Identity", 'y', HeaderId.Identity),
        new("Date", '\0', HeaderId.Date),
        new("Timestamp", '\0', HeaderId.Timestamp),
        new("Warning", '\0', HeaderId.Warning),
        new("Retry-After", '\0', HeaderId.RetryAfter),
        new("Organization", '\0', HeaderId.Organization),
        new("Priority", '\0', HeaderId.Priority),
        new("Service-Route", '\0', HeaderId.ServiceRoute),
        new("P-Asserted-Identity", '\0', HeaderId.PAssertedIdentity),
        new("P-Preferred-Identity", '\0', HeaderId.PPreferredIdentity),
        new("Privacy", '\0', HeaderId.Privacy),
        new("RSeq", '\0', HeaderId.RSeq),
        new("RAck", '\0', HeaderId.RAck),
        new("Subscription-State", '\0', HeaderId.SubscriptionState),
        new("Reply-To", '\0', HeaderId.ReplyTo),
        new("In-Reply-To", '\0', HeaderId.InReplyTo),
        new("Call-Info", '\0', HeaderId.CallInfo),
        new("Alert-Info", '\0', HeaderId.AlertInfo),
        new("Error-Info", '\0', HeaderId.ErrorInfo),
        new("MIME-Version", '\0', HeaderId.MimeVersion),
        new("Replaces", '\0', HeaderId.Replaces),
        new("Reason", '\0', HeaderId.Reason),
    ];

    /// <summary>Every recognised header, one row each.</summary>
    public static ReadOnlySpan<KnownHeader> All => s_all;
}
