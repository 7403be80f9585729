using System.Runtime.CompilerServices;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// The built-in stateless pipeline of one worker (until the routing script replaces it): for each
/// datagram of a batch, parse; requests get received/rport on their top Via (RFC 3261 §18.2.1,
/// RFC 3581) and Max-Forwards handling; requests for this proxy are answered (OPTIONS 200, others
/// per <see cref="AnswerLocally"/>); others are forwarded statelessly (RFC 3261 §16.11) to the top
/// Route or the Request-URI; responses lose our Via and go to the next one. Malformed requests are
/// answered 400 with the reason; anything else that is not SIP is dropped and counted.
/// One instance per worker; nothing here allocates per message.
/// </summary>
public sealed partial class StatelessProxy : IBatchHandler
{
    private const int DefaultMaxForwards = 70;

    private readonly ProxyIdentity _identity;
    private readonly NextHopResolver _resolver;
    private readonly ProxyCounters[] _counters;
    private readonly int _index;
    private readonly SipMessage _message = new();
    private readonly SipEdits _edits = new();
    private readonly byte[] _scratch = new byte[1024];

    public StatelessProxy(ProxyIdentity identity, NextHopResolver resolver, ProxyCounters[] counters, int index)
    {
        _identity = identity;
        _resolver = resolver;
        _counters = counters;
        _index = index;
    }

    public void Handle(DatagramBatch received, DatagramBatch outgoing)
    {
        byte[] buffer = received.Buffer;
        for (int i = 0; i < received.Count; i++)
        {
            ref readonly DatagramInfo info = ref received.Info(i);
            Process(buffer, received.PayloadOffset(i), info.Length, info.Peer, info.SocketIndex, outgoing);
        }
    }

    /// <summary>Handles one datagram; what it sends goes to <paramref name="outgoing"/>.</summary>
    public void Process(byte[] buffer, int offset, int length, in NetAddress source, int socket, DatagramBatch outgoing)
    {
        ref ProxyCounters c = ref _counters[_index];
        SipError error = _message.Parse(buffer, offset, length);
        _edits.Reset(_message);
        if (error == SipError.None)
        {
            error = _message.Validate();
        }

        if (_message.IsRequest)
        {
            c.RequestsReceived++;
            if (error != SipError.None)
            {
                RejectMalformed(error, source, socket, outgoing, ref c);
                return;
            }

            ProcessRequest(source, socket, outgoing, ref c);
        }
        else if (_message.StatusCode != 0)
        {
            c.RepliesReceived++;
            if (error != SipError.None)
            {
                c.BadReplies++;
                return;
            }

            ProcessResponse(socket, outgoing, ref c);
        }
        else
        {
            c.Garbage++;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RejectMalformed(SipError error, in NetAddress source, int socket, DatagramBatch outgoing, ref ProxyCounters c)
    {
        c.BadRequests++;
        if (_message.Method == SipMethod.Ack || !_message.Has(HeaderId.Via))
        {
            return; // ACKs are never answered; without a Via there is nowhere to answer.
        }

        _edits.Reset(_message);
        SendReply(SipErrors.StatusCode(error), SipErrors.ReasonPhrase(error), default, source, socket, outgoing, ref c);
    }
}
