using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Sip.Headers;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

public sealed partial class StatelessProxy
{
    /// <summary>A valid request: stamp the top Via, then the script decides.</summary>
    private void ProcessRequest(in NetAddress source, int socket, DatagramBatch outgoing, ref ProxyCounters c)
    {
        if (_hub is not null && !_inHandoff && _connection == 0 && _message.Method is (SipMethod.Cancel or SipMethod.Ack)
            && HandRequestToOwner(source, socket, ref c))
        {
            return; // the worker that owns its INVITE transaction runs the script on it (datagrams: the ring carries no connection)
        }

        bool admission = _transactions is not null && _tm!.OverloadControl;
        if (admission && LocalAckAbsorbed(ref c))
        {
            return; // the ACK of one of our stateless negative replies: nothing to do
        }

        StampTopVia(source);
        if (admission && AdmissionRefused(source, socket, outgoing, ref c))
        {
            return; // a new INVITE refused while behind: no script, no transaction
        }

        BeginTm();
        _context.Begin(_message, _edits, source, socket);
        _context.Connection = _connection;
        _script.RunRequest(_context);
        if (!_context.Answered && _message.Method == SipMethod.Ack)
        {
            c.AcksAbsorbed++; // an ACK that ended here (for a reply we sent): nothing to answer
        }
    }

    /// <summary>
    /// forward([dest]): the next hop is <paramref name="destinationText"/> (<c>[proto:]host[:port]</c>),
    /// else <c>$du</c>, else — as a stateless proxy that is not doing record-routing — our own top Route
    /// entry is removed (RFC 3261 §16.4) and the next Route entry, or the Request-URI, is the target.
    /// A failure is recorded for sl_reply_error() and returns its <see cref="RouteErrors.ReturnCode"/>.
    /// </summary>
    public int Forward(ScriptContext context, ReadOnlySpan<byte> destinationText)
    {
        ref ProxyCounters c = ref _counters[_index];
        RouteError error = TryForward(context, destinationText, ref c);
        return error == RouteError.None ? RouteErrors.Routed : Fail(context, error, ref c);
    }

    private RouteError TryForward(ScriptContext context, ReadOnlySpan<byte> destinationText, ref ProxyCounters c) =>
        TryForward(context, destinationText, default, ref c);

    /// <summary>As forward(); a non-empty <paramref name="branch"/> is tm's branch id for our Via (no stateless loop key then).</summary>
    private RouteError TryForward(ScriptContext context, ReadOnlySpan<byte> destinationText, ReadOnlySpan<byte> branch, ref ProxyCounters c)
    {
        SipMessage m = _message;
        if (!m.IsRequest)
        {
            return RouteError.NotRequest;
        }

        if (context.FlowFailed)
        {
            c.FlowsFailed++;
            return RouteError.FlowFailed;
        }

        NetAddressFamily preferred = _identity.Bound(context.Socket).Family;
        RouteError error;
        NetAddress destination;
        TransportProtocol protocol;
        if (!destinationText.IsEmpty)
        {
            error = ResolveHostPort(destinationText, preferred, out destination, out protocol);
        }
        else if (context.HasDestination || context.RoutesProcessed)
        {
            // $du; else loose_route() did the Route work (and recorded its edits): the next hop is the R-URI.
            bool du = context.HasDestination;
            ReadOnlySpan<byte> target = du ? context.Destination : context.RequestUri;
            if (!SipUri.TryParse(target, out SipUri targetUri))
            {
                return du ? RouteError.BadDestination : RouteError.BadRequestUri;
            }

            error = ResolveUri(target, targetUri, preferred, out destination, out protocol);
        }
        else
        {
            error = NextHopFromRoutes(context, preferred, out destination, out protocol);
        }

        if (error != RouteError.None)
        {
            return error;
        }

        int outSocket = SendSocket(context, destination, protocol);
        if (outSocket < 0)
        {
            return RouteError.NoSocket;
        }

        return SendForwarded(context, destination, outSocket, branch, ref c);
    }

    /// <summary>
    /// The socket a message to <paramref name="destination"/> over <paramref name="protocol"/> leaves from: the forced one
    /// (force_send_socket, <c>$socket_out</c>, a Route's socket) when its transport and family fit, else the receiving
    /// socket when it fits, else the first socket of that transport and family (OpenSIPS: the closest socket of the right
    /// protocol).
    /// </summary>
    private int SendSocket(ScriptContext context, in NetAddress destination, TransportProtocol protocol)
    {
        int forced = context.ForcedSocket;
        return forced >= 0 && forced < _identity.SocketCount && _identity.Bound(forced).Family == destination.Family && _identity.Protocol(forced) == protocol
            ? forced
            : _identity.OutgoingSocket(context.Socket, destination, protocol);
    }

    /// <summary>Counts a routing failure, records its reply for sl_reply_error(), and gives the script its return code.</summary>
    private static int Fail(ScriptContext context, RouteError error, ref ProxyCounters c)
    {
        switch (error)
        {
            case RouteError.ResolutionPending:
                c.UnresolvedDrops++; // the retransmission will find the answer
                c.RequestsDropped++;
                break;
            case RouteError.Unresolvable or RouteError.UnsupportedScheme or RouteError.UnsupportedTransport
                or RouteError.NotUnicast or RouteError.NoSocket:
                c.NoRouteReplies++;
                break;
            case RouteError.Loop:
                c.LoopsDetected++;
                break;
        }

        int code = RouteErrors.StatusCode(error);
        if (code != 0)
        {
            context.SetError(code, RouteErrors.Reason(error));
        }

        return RouteErrors.ReturnCode(error);
    }

    /// <summary>Our Via (stateless branch, loop check), the R-URI rewrite, then one copy into the outgoing batch.</summary>
    private RouteError SendForwarded(ScriptContext context, in NetAddress destination, int outSocket, ReadOnlySpan<byte> tmBranch, ref ProxyCounters c)
    {
        SipMessage m = _message;
        long flow = 0;
        if ((context.FlowConnection != 0 || context.NoNewConnection) && _identity.Protocol(outSocket).IsStream())
        {
            // RFC 5626 §5.3: a flow over TCP/TLS is its connection; once it is closed the request gets 430, it never
            // opens a new connection towards the NAT'ed address.
            flow = FlowConnectionFor(context, destination, outSocket);
            if (flow == 0)
            {
                c.FlowsFailed++;
                return RouteError.FlowFailed;
            }
        }

        Span<byte> via = _scratch;
        int viaLength = WriteViaPrefix(context, outSocket, via);
        if (!tmBranch.IsEmpty)
        {
            tmBranch.CopyTo(via[viaLength..]);
            viaLength += tmBranch.Length;
        }
        else
        {
            Span<byte> branch = via.Slice(viaLength, StatelessBranch.Length);
            StatelessBranch.TryWrite(m, branch);
            if (IsLoop(branch))
            {
                return RouteError.Loop;
            }

            viaLength += StatelessBranch.Length;
        }

        if (_connection != 0)
        {
            // OpenSIPS's ;i=<connection id, hex>: the reply finds the request's connection again.
            ";i="u8.CopyTo(via[viaLength..]);
            viaLength += 3;
            System.Buffers.Text.Utf8Formatter.TryFormat((ulong)_connection, via[viaLength..], out int idLength, new System.Buffers.StandardFormat('x'));
            viaLength += idLength;
        }

        if (context.AddLocalRport)
        {
            ";rport"u8.CopyTo(via[viaLength..]);
            viaLength += 6;
        }

        "\r\n"u8.CopyTo(via[viaLength..]);
        // Record-Route/Path entries wait for the send socket (they print its address) and go above our Via.
        if (context.CompleteDeferred(outSocket) != SipError.None)
        {
            return RouteError.Internal;
        }

        // tm forks further branches from here: the edits so far (script, Record-Route) are common to all of them;
        // a pre-loaded Route (lookup()'s Path) belongs to this branch only.
        _tmEditsMark = _edits.Mark;
        if (context.AddPreloadedRoute() != SipError.None)
        {
            return RouteError.Internal;
        }

        if (_edits.AddHeaderBefore(m.FindHeader(HeaderId.Via), via[..(viaLength + 2)]) != SipError.None
            || context.CommitRequestUri() != SipError.None)
        {
            return RouteError.Internal;
        }

        if (!TryWriteOut(destination, outSocket, ref c, flow))
        {
            return RouteError.OutputFull;
        }

        c.RequestsForwarded++;
        context.Answered = true;
        return RouteError.None;
    }

    /// <summary><c>"Via: SIP/2.0/UDP host:port;branch="</c>: the socket's, or set_advertised_address/port's.</summary>
    private int WriteViaPrefix(ScriptContext context, int outSocket, Span<byte> via)
    {
        if (context.AdvertisedAddress.IsEmpty && context.AdvertisedPort == 0)
        {
            ReadOnlySpan<byte> prefix = _identity.ViaPrefix(outSocket);
            prefix.CopyTo(via);
            return prefix.Length;
        }

        int n = 0;
        "Via: SIP/2.0/"u8.CopyTo(via);
        n += 13;
        ReadOnlySpan<byte> token = _identity.Protocol(outSocket) switch
        {
            TransportProtocol.Tcp => "TCP "u8,
            TransportProtocol.Tls => "TLS "u8,
            TransportProtocol.Ws => "WS "u8,
            TransportProtocol.Wss => "WSS "u8,
            _ => "UDP "u8,
        };
        token.CopyTo(via[n..]);
        n += token.Length;
        ReadOnlySpan<byte> host = context.AdvertisedAddress.IsEmpty ? _identity.AdvertisedHost(outSocket) : context.AdvertisedAddress;
        host.CopyTo(via[n..]);
        n += host.Length;
        via[n++] = (byte)':';
        n += ScriptText.WriteInt(context.AdvertisedPort != 0 ? context.AdvertisedPort : _identity.AdvertisedPort(outSocket), via[n..]);
        ";branch="u8.CopyTo(via[n..]);
        return n + 8;
    }

    /// <summary>Route processing of a stateless proxy: pop our own top entry; the next entry, or the R-URI, is the target.</summary>
    private RouteError NextHopFromRoutes(ScriptContext context, NetAddressFamily preferred, out NetAddress destination, out TransportProtocol protocol)
    {
        SipMessage m = _message;
        destination = default;
        protocol = TransportProtocol.Udp;
        int routes = FirstTwo(HeaderId.Route, out HeaderValue topRoute, out HeaderValue nextRoute);

        ReadOnlySpan<byte> target = context.RequestUri;
        if (routes > 0)
        {
            if (!TryRouteUri(topRoute, out TextRange topUri, out SipUri top))
            {
                return RouteError.BadRoute;
            }

            if (_identity.IsMe(m.Span(topUri), top))
            {
                RemoveListElement(topRoute, routes == 2 ? nextRoute : default);
                if (routes == 2)
                {
                    if (!TryRouteUri(nextRoute, out TextRange nextUri, out _))
                    {
                        return RouteError.BadRoute;
                    }

                    target = m.Span(nextUri);
                }
            }
            else
            {
                target = m.Span(topUri);
            }
        }

        if (!SipUri.TryParse(target, out SipUri next))
        {
            return RouteError.BadRequestUri;
        }

        return ResolveUri(target, next, preferred, out destination, out protocol);
    }

    /// <summary>RFC 3261 §16.3 step 4: one of the Vias is ours with the loop key this request would get again.</summary>
    private bool IsLoop(ReadOnlySpan<byte> ourBranch)
    {
        SipMessage m = _message;
        foreach (HeaderValue hv in m.Values(HeaderId.Via))
        {
            if (ViaHeader.TryParse(m.Span(hv.Value), hv.Value.Start, out ViaHeader v)
                && StatelessBranch.SameLoopKey(m.Span(v.Branch), ourBranch)
                && _identity.IsMe(m.Span(v.Host), v.PortNumber))
            {
                return true;
            }
        }

        return false;
    }

    private bool TryRouteUri(HeaderValue route, out TextRange uriRange, out SipUri uri)
    {
        uri = default;
        uriRange = default;
        if (!NameAddr.TryParse(_message.Span(route.Value), route.Value.Start, out NameAddr na))
        {
            return false;
        }

        uriRange = na.Uri;
        return SipUri.TryParse(_message.Span(uriRange), out uri);
    }

    /// <summary>
    /// Removes one element of a comma-separated header list: the whole line when it is the line's
    /// only element, else the element with the comma that follows it.
    /// </summary>
    private void RemoveListElement(HeaderValue element, HeaderValue next)
    {
        if (next.Value.Length > 0 && next.HeaderIndex == element.HeaderIndex)
        {
            _edits.Delete(TextRange.FromBounds(element.Value.Start, next.Value.Start));
        }
        else
        {
            _edits.RemoveHeader(element.HeaderIndex);
        }
    }

    /// <summary>
    /// The (negative: that connection only) connection id a request for a TCP/TLS flow leaves by: the one the flow token
    /// names while it is open, or the live connection to <paramref name="destination"/> for a flow we hold ourselves;
    /// 0 when the flow is gone.
    /// </summary>
    private long FlowConnectionFor(ScriptContext context, in NetAddress destination, int outSocket)
    {
        if (Streams is null)
        {
            return 0;
        }

        long id = context.FlowConnection != 0
            ? (Streams.IsOpen(context.FlowConnection) ? context.FlowConnection : 0)
            : Streams.FindConnection(_identity.Protocol(outSocket), destination);
        return -id;
    }
}
