using System.Net;
using Hyperproxy.Sip;

namespace Hyperproxy.Sak.Ua;

/// <summary>
/// hypersak's own callee when it calls or messages itself through a server: answers an INVITE
/// with 180 and 200 (one To tag, our Contact, an SDP answer, Record-Route copied so the caller
/// learns the route set), counts the ACK, answers BYE and MESSAGE with 200 and anything else
/// with 501. Stateless: a retransmitted INVITE gets the same two answers again.
/// </summary>
public sealed class SelfCallee
{
    private readonly UserAgent _ua;
    private readonly string _contact;

    public SelfCallee(UserAgent ua, string user)
    {
        _ua = ua;
        _contact = "sip:" + user + "@" + ua.SentBy;
        Tag = ua.NewTag();
    }

    /// <summary>The To tag of our answers (the dialog's remote tag at the caller).</summary>
    public string Tag { get; }

    public int Invites { get; private set; }

    public int Acks { get; private set; }

    public int Byes { get; private set; }

    public int Messages { get; private set; }

    /// <summary>The hop the last ACK came from (null before one came).</summary>
    public IPEndPoint? AckFrom { get; private set; }

    /// <summary>The hop the last BYE came from (null before one came).</summary>
    public IPEndPoint? ByeFrom { get; private set; }

    /// <summary>Record-Route values of the last INVITE that reached us (what the server inserted).</summary>
    public List<string> RecordRoute { get; private set; } = [];

    /// <summary>The route set of the last ACK or BYE that reached us, as Route headers.</summary>
    public List<string> LastRoute { get; private set; } = [];

    public void OnRequest(SipReply request)
    {
        switch (request.Message.Method)
        {
            case SipMethod.Invite:
                Invites++;
                RecordRoute = request.Headers(HeaderId.RecordRoute);
                _ua.Respond(request, 180, "Ringing", Tag, _contact, null);
                _ua.Respond(request, 200, "OK", Tag, _contact, Sdp.Offer(_ua.LocalHost));
                break;
            case SipMethod.Ack:
                Acks++;
                AckFrom = request.Source;
                LastRoute = request.Headers(HeaderId.Route);
                break;
            case SipMethod.Bye:
                Byes++;
                ByeFrom = request.Source;
                LastRoute = request.Headers(HeaderId.Route);
                _ua.Respond(request, 200, "OK", Tag, null, null);
                break;
            case SipMethod.Message:
                Messages++;
                _ua.Respond(request, 200, "OK");
                break;
            default:
                _ua.Respond(request, 501, "Not Implemented");
                break;
        }
    }
}
