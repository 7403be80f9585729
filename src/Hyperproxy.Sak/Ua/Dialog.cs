using System.Text;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sak.Ua;

/// <summary>
/// A UAC's dialog state (RFC 3261 §12.1.2) taken from a 2xx to an INVITE, and the in-dialog
/// requests built from it (§12.2.1.1): the route set is the 2xx's Record-Route in reverse order,
/// the remote target is its Contact URI, the remote tag its To tag. When the first route is a
/// loose router (;lr) the Request-URI is the remote target and the route set goes into Route
/// headers unchanged; when it is a strict router the Request-URI is that first route and the
/// remote target is appended as the last Route. Cold path (the CLI modes); the bench writes the
/// same rules into its batch slots with the bench call writer.
/// </summary>
public sealed class Dialog
{
    private Dialog(string callId, string localUri, string localTag, string remoteUri, string remoteTag, string remoteTarget, List<string> routeSet, uint localCSeq)
    {
        CallId = callId;
        LocalUri = localUri;
        LocalTag = localTag;
        RemoteUri = remoteUri;
        RemoteTag = remoteTag;
        RemoteTarget = remoteTarget;
        RouteSet = routeSet;
        LocalCSeq = localCSeq;
    }

    public string CallId { get; }

    public string LocalUri { get; }

    public string LocalTag { get; }

    /// <summary>The remote party's URI (the To URI of the INVITE).</summary>
    public string RemoteUri { get; }

    public string RemoteTag { get; }

    /// <summary>The Contact URI of the 2xx: where in-dialog requests are addressed.</summary>
    public string RemoteTarget { get; }

    /// <summary>Route set in the order requests carry it (the 2xx's Record-Route reversed), each a name-addr.</summary>
    public IReadOnlyList<string> RouteSet { get; }

    /// <summary>The last CSeq number this side used; in-dialog requests other than ACK take the next.</summary>
    public uint LocalCSeq { get; private set; }

    /// <summary>
    /// The URI whose address in-dialog requests are sent to (§12.2.1.1, §8.1.2): the first route's URI
    /// (for a loose router the top Route, for a strict router the Request-URI: the same URI), or the
    /// remote target when the route set is empty.
    /// </summary>
    public string NextHopUri => RouteSet.Count > 0 ? UriOf(RouteSet[0]) : RemoteTarget;

    /// <summary>Whether the first route is a strict router (no lr parameter).</summary>
    public bool FirstRouteIsStrict => RouteSet.Count > 0 && !IsLooseRouter(RouteSet[0]);

    /// <summary>The dialog a 2xx creates for the INVITE we sent; null when the 2xx lacks a Contact or To tag.</summary>
    public static Dialog? FromSuccess(SipRequest invite, SipReply response)
    {
        SipMessage m = response.Message;
        if (m.GetTo(out NameAddr to) != SipError.None || !to.Tag.IsPresent)
            return null;
        string? target = ContactUri(response);
        if (target == null)
            return null;
        var routes = new List<string>();
        foreach (string rr in response.Headers(HeaderId.RecordRoute))
            routes.Add(rr.Trim());
        routes.Reverse();
        return new Dialog(invite.CallId, invite.From, invite.FromTag, invite.To, response.Range(to.Tag), target, routes, invite.CSeq);
    }

    /// <summary>
    /// The UAS side (§12.1.1): the dialog an INVITE we answer with a 2xx creates. The route set is the
    /// INVITE's Record-Route in its own order, the remote target its Contact, the remote party its From;
    /// our CSeq space starts at <paramref name="localCSeq"/>. Null when the INVITE lacks Contact or From tag.
    /// </summary>
    public static Dialog? FromRequest(SipReply invite, string localTag, uint localCSeq = 1)
    {
        SipMessage m = invite.Message;
        if (m.GetFrom(out NameAddr from) != SipError.None || !from.Tag.IsPresent || m.GetTo(out NameAddr to) != SipError.None)
            return null;
        string? target = ContactUri(invite);
        if (target == null)
            return null;
        var routes = new List<string>();
        foreach (string rr in invite.Headers(HeaderId.RecordRoute))
            routes.Add(rr.Trim());
        return new Dialog(invite.Range(m.CallId), invite.Range(to.Uri), localTag, invite.Range(from.Uri), invite.Range(from.Tag), target, routes, localCSeq - 1);
    }

    /// <summary>The URI of the first Contact of a message, without its angle brackets; null when absent.</summary>
    public static string? ContactUri(SipReply message)
    {
        SipMessage m = message.Message;
        foreach (HeaderValue v in m.Values(HeaderId.Contact))
        {
            if (!NameAddr.TryParse(m.Span(v.Value), v.Value.Start, out NameAddr contact) || contact.IsStar || !contact.Uri.IsPresent)
                return null;
            return message.Range(contact.Uri);
        }
        return null;
    }

    /// <summary>
    /// The ACK for the 2xx (§13.2.2.4): same CSeq number as the INVITE, method ACK, the dialog's
    /// route set and remote target, a new branch (it is a transaction of its own).
    /// </summary>
    public SipRequest Ack(uint inviteCSeq, int maxForwards) => Build("ACK", inviteCSeq, maxForwards);

    /// <summary>A request within the dialog with the next CSeq (BYE, re-INVITE, INFO, ...).</summary>
    public SipRequest NewRequest(string method, int maxForwards)
    {
        LocalCSeq++;
        return Build(method, LocalCSeq, maxForwards);
    }

    private SipRequest Build(string method, uint cseq, int maxForwards)
    {
        string requestUri = RemoteTarget;
        var routes = new List<string>(RouteSet.Count + 1);
        if (RouteSet.Count > 0 && FirstRouteIsStrict)
        {
            // §12.2.1.1: strict router first: it becomes the Request-URI (its URI without
            // the parameters a Request-URI may not carry), the remote target the last Route.
            requestUri = UriOf(RouteSet[0]);
            for (int i = 1; i < RouteSet.Count; i++)
                routes.Add(RouteSet[i]);
            routes.Add("<" + RemoteTarget + ">");
        }
        else
        {
            routes.AddRange(RouteSet);
        }
        var request = new SipRequest
        {
            Method = method,
            RequestUri = requestUri,
            To = RemoteUri,
            ToTag = RemoteTag,
            From = LocalUri,
            FromTag = LocalTag,
            CallId = CallId,
            CSeq = cseq,
            MaxForwards = maxForwards,
        };
        request.Routes.AddRange(routes);
        return request;
    }

    /// <summary>Whether a Route / Record-Route value's URI carries the lr parameter.</summary>
    public static bool IsLooseRouter(string nameAddr)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(nameAddr);
        if (!NameAddr.TryParse(bytes, 0, out NameAddr na) || !na.Uri.IsPresent)
            return false;
        return SipUri.TryParse(bytes.AsSpan(na.Uri.Start, na.Uri.Length), out SipUri uri) && uri.Lr;
    }

    /// <summary>The URI inside a name-addr ("&lt;sip:p1&gt;" gives "sip:p1").</summary>
    public static string UriOf(string nameAddr)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(nameAddr);
        if (!NameAddr.TryParse(bytes, 0, out NameAddr na) || !na.Uri.IsPresent)
            return nameAddr.Trim().Trim('<', '>');
        return Encoding.UTF8.GetString(bytes, na.Uri.Start, na.Uri.Length);
    }
}
