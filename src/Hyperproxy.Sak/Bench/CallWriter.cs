using System.Text;
using Hyperproxy.Sak.Ua;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sak.Bench;

/// <summary>
/// The bench call scenario's messages after the INVITE, written straight into batch slots from
/// the received message's bytes (no allocation): the callee's 180/200 to INVITE and 200 to BYE
/// (Via, From, To + tag, Call-ID, CSeq copied, Record-Route copied into INVITE answers, our
/// Contact), and the caller's ACK and BYE built from the 200 by the rules of RFC 3261 §12.1.2 /
/// §12.2.1.1 (route set = Record-Route reversed, remote target = Contact, strict router first:
/// it becomes the Request-URI and the remote target the last Route). Replies are told apart by
/// their branch: z9hG4bK-hs (INVITE), -ha (ACK), -hb (BYE), then 16 hex digits of the call number.
/// </summary>
public sealed class CallWriter
{
    public const int MaxRoutes = 16;
    public const string CalleeTag = "hscallee";

    private readonly byte[] _callerVia;
    private readonly byte[] _calleeContact;
    private readonly byte[] _sdpTail;
    private readonly TextRange[] _routes = new TextRange[MaxRoutes];
    private readonly byte[] _inviteDomain;
    private readonly int _userDigits;
    private readonly byte[] _inviteRoutes;

    /// <summary>
    /// Messages of calls from <paramref name="callerSentBy"/> to callees at <paramref name="calleeSentBy"/>;
    /// the INVITEs went to sip:u&lt;N&gt;@<paramref name="inviteDomain"/> with <paramref name="userDigits"/>-digit N.
    /// </summary>
    public CallWriter(string callerSentBy, string calleeSentBy, string sdp, string inviteDomain = "", int userDigits = 1, IReadOnlyList<string>? routes = null)
    {
        _inviteRoutes = Encoding.ASCII.GetBytes(RequestTemplate.HeaderLines("Route", routes));
        _inviteDomain = Encoding.ASCII.GetBytes("@" + inviteDomain + " SIP/2.0\r\n");
        _userDigits = userDigits;
        _callerVia = Encoding.ASCII.GetBytes("Via: SIP/2.0/UDP " + callerSentBy + ";branch=z9hG4bK-h");
        _calleeContact = Encoding.ASCII.GetBytes("Contact: <sip:hscallee@" + calleeSentBy + ">\r\n");
        _sdpTail = Encoding.ASCII.GetBytes("Content-Type: application/sdp\r\nContent-Length: "
            + Encoding.ASCII.GetByteCount(sdp).ToString(System.Globalization.CultureInfo.InvariantCulture) + "\r\n\r\n" + sdp);
    }

    /// <summary>Which transaction of a call a response answers, from its branch.</summary>
    public static CallLeg Classify(ReadOnlySpan<byte> response, out ulong seq)
    {
        seq = 0;
        int at = response.IndexOf("branch=z9hG4bK-h"u8);
        if (at < 0 || at + 17 + RequestTemplate.SeqDigits > response.Length)
            return CallLeg.None;
        CallLeg leg = response[at + 16] switch
        {
            (byte)'s' => CallLeg.Invite,
            (byte)'a' => CallLeg.Ack,
            (byte)'b' => CallLeg.Bye,
            _ => CallLeg.None,
        };
        ReadOnlySpan<byte> hex = response.Slice(at + 17, RequestTemplate.SeqDigits);
        ulong v = 0;
        for (int i = 0; i < hex.Length; i++)
        {
            int c = hex[i];
            int d = (uint)(c - '0') <= 9 ? c - '0' : (uint)(c - 'a') <= 5 ? c - 'a' + 10 : -1;
            if (d < 0)
                return CallLeg.None;
            v = (v << 4) | (uint)d;
        }
        seq = v;
        return leg;
    }

    /// <summary>
    /// The callee's answer to <paramref name="request"/>: <paramref name="statusLine"/> is e.g.
    /// "180 Ringing"; <paramref name="dialog"/> adds Record-Route and Contact (INVITE answers),
    /// <paramref name="sdp"/> the SDP answer. Returns the length, 0 when it did not fit.
    /// </summary>
    public int WriteAnswer(Span<byte> slot, SipMessage request, ReadOnlySpan<byte> statusLine, bool dialog, bool sdp)
    {
        var w = new SlotWriter(slot);
        w.Append("SIP/2.0 "u8);
        w.Append(statusLine);
        w.Append("\r\n"u8);
        bool tagged = request.ToTag.IsPresent;
        for (int i = 0; i < request.HeaderCount; i++)
        {
            ref readonly HeaderEntry h = ref request.Header(i);
            switch (h.Id)
            {
                case HeaderId.Via or HeaderId.From or HeaderId.CallId or HeaderId.CSeq:
                    w.Append(request.Span(h.Line));
                    break;
                case HeaderId.RecordRoute when dialog:
                    w.Append(request.Span(h.Line));
                    break;
                case HeaderId.To:
                    w.Append("To: "u8);
                    w.Append(request.Span(h.Value));
                    if (!tagged)
                        w.Append(";tag=hscallee"u8);
                    w.Append("\r\n"u8);
                    break;
            }
        }
        if (dialog)
            w.Append(_calleeContact);
        if (sdp)
            w.Append(_sdpTail);
        else
            w.Append("Content-Length: 0\r\n\r\n"u8);
        return w.Ok ? w.Length : 0;
    }

    /// <summary>
    /// The caller's ACK (<paramref name="bye"/> false, CSeq 1) or BYE (CSeq 2) of call
    /// <paramref name="seq"/> in the dialog the 2xx <paramref name="ok"/> set up. Returns the
    /// length, 0 when the 2xx has no usable Contact or the request did not fit.
    /// </summary>
    public int WriteInDialog(Span<byte> slot, SipMessage ok, ulong seq, bool bye) => WriteInDialog(slot, ok, seq, bye, out _);

    /// <summary>
    /// As <see cref="WriteInDialog(Span{byte}, SipMessage, ulong, bool)"/>, and <paramref name="hop"/> is the
    /// range in <paramref name="ok"/> of the URI the request is sent to (§12.2.1.1, §8.1.2): the first
    /// route's URI (loose or strict: for a strict router it is also the Request-URI), else the remote target.
    /// </summary>
    public int WriteInDialog(Span<byte> slot, SipMessage ok, ulong seq, bool bye, out TextRange hop)
    {
        hop = TextRange.None;
        int routes = 0;
        foreach (HeaderValue v in ok.Values(HeaderId.RecordRoute))
        {
            if (routes == MaxRoutes)
                return 0;
            _routes[routes++] = v.Value;
        }
        TextRange target = TextRange.None;
        foreach (HeaderValue v in ok.Values(HeaderId.Contact))
        {
            if (NameAddr.TryParse(ok.Span(v.Value), v.Value.Start, out NameAddr contact) && !contact.IsStar)
                target = contact.Uri;
            break;
        }
        if (!target.IsPresent)
            return 0;
        // The route set is the Record-Route reversed: its first entry is the last value.
        TextRange firstUri = TextRange.None;
        bool strict = false;
        if (routes > 0)
        {
            TextRange first = _routes[routes - 1];
            if (!NameAddr.TryParse(ok.Span(first), first.Start, out NameAddr na) || !na.Uri.IsPresent)
                return 0;
            firstUri = na.Uri;
            strict = !SipUri.TryParse(ok.Span(firstUri), out SipUri uri) || !uri.Lr;
        }
        hop = routes > 0 ? firstUri : target;
        var w = new SlotWriter(slot);
        w.Append(bye ? "BYE "u8 : "ACK "u8);
        w.Append(ok.Span(strict ? firstUri : target));
        w.Append(" SIP/2.0\r\n"u8);
        w.Append(_callerVia);
        w.Append(bye ? "b"u8 : "a"u8);
        w.AppendHex(seq, RequestTemplate.SeqDigits);
        w.Append(";rport\r\n"u8);
        for (int j = strict ? routes - 2 : routes - 1; j >= 0; j--)
        {
            w.Append("Route: "u8);
            w.Append(ok.Span(_routes[j]));
            w.Append("\r\n"u8);
        }
        if (strict)
        {
            w.Append("Route: <"u8);
            w.Append(ok.Span(target));
            w.Append(">\r\n"u8);
        }
        for (int i = 0; i < ok.HeaderCount; i++)
        {
            ref readonly HeaderEntry h = ref ok.Header(i);
            if (h.Id is HeaderId.From or HeaderId.To or HeaderId.CallId)
                w.Append(ok.Span(h.Line));
        }
        w.Append(bye ? "CSeq: 2 BYE\r\n"u8 : "CSeq: 1 ACK\r\n"u8);
        w.Append("Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"u8);
        return w.Ok ? w.Length : 0;
    }

    /// <summary>
    /// The ACK of a non-2xx final answer to call <paramref name="seq"/>'s INVITE (§17.1.1.3): the INVITE's
    /// Request-URI (user <paramref name="user"/>), branch and pre-loaded Route headers, From, Call-ID and the answer's To (with its tag).
    /// </summary>
    public int WriteFailureAck(Span<byte> slot, SipMessage answer, ulong seq, long user)
    {
        var w = new SlotWriter(slot);
        w.Append("ACK sip:u"u8);
        w.AppendDecimal(user, _userDigits);
        w.Append(_inviteDomain);
        w.Append(_callerVia);
        w.Append("s"u8);
        w.AppendHex(seq, RequestTemplate.SeqDigits);
        w.Append(";rport\r\n"u8);
        w.Append(_inviteRoutes); // §17.1.1.3: the INVITE's Route headers
        for (int i = 0; i < answer.HeaderCount; i++)
        {
            ref readonly HeaderEntry h = ref answer.Header(i);
            if (h.Id is HeaderId.From or HeaderId.To or HeaderId.CallId)
                w.Append(answer.Span(h.Line));
        }
        w.Append("CSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"u8);
        return w.Ok ? w.Length : 0;
    }

    /// <summary>The SDP both sides send (offer in the INVITE, answer in the 200).</summary>
    public static string SessionDescription(string host) => Sdp.Offer(host);
}
