using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Sip.Headers;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

public sealed partial class StatelessProxy
{
    private static ReadOnlySpan<byte> OptionsHeaders =>
        "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE, SUBSCRIBE, NOTIFY, INFO, REFER, UPDATE, PRACK, PUBLISH\r\nAccept: application/sdp\r\nSupported: path\r\n"u8;

    private static ReadOnlySpan<byte> MaxForwardsLine => "Max-Forwards: 70\r\n"u8;

    private void ProcessRequest(in NetAddress source, int socket, DatagramBatch outgoing, ref ProxyCounters c)
    {
        SipMessage m = _message;
        StampTopVia(source);

        // Route: drop our own entry on top (we were put there by Record-Route or a pre-loaded set).
        HeaderValue topRoute = default;
        HeaderValue nextRoute = default;
        int routes = 0;
        foreach (HeaderValue hv in m.Values(HeaderId.Route))
        {
            if (routes == 0)
            {
                topRoute = hv;
            }
            else
            {
                nextRoute = hv;
            }

            if (++routes == 2)
            {
                break;
            }
        }

        TextRange nextHopUri = m.RequestUri;
        if (routes > 0)
        {
            if (!TryRouteUri(topRoute, out TextRange topUri, out SipUri top))
            {
                SendReply(400, "Bad Route"u8, default, source, socket, outgoing, ref c);
                return;
            }

            if (_identity.IsMe(m.Span(topUri), top))
            {
                RemoveListElement(topRoute, routes == 2 ? nextRoute : default);
                if (routes == 2 && !TryRouteUri(nextRoute, out nextHopUri, out _))
                {
                    SendReply(400, "Bad Route"u8, default, source, socket, outgoing, ref c);
                    return;
                }
            }
            else
            {
                nextHopUri = topUri;
            }
        }

        if (!SipUri.TryParse(m.Span(nextHopUri), out SipUri next))
        {
            SendReply(400, "Bad Request-URI"u8, default, source, socket, outgoing, ref c);
            return;
        }

        bool forUs = nextHopUri == m.RequestUri && _identity.IsMe(m.Span(nextHopUri), next);
        int maxForwards = m.MaxForwards;
        if (maxForwards == 0)
        {
            if (forUs && m.Method == SipMethod.Options)
            {
                SendReply(200, "OK"u8, OptionsHeaders, source, socket, outgoing, ref c);
            }
            else
            {
                c.TooManyHops++;
                SendReply(483, "Too Many Hops"u8, default, source, socket, outgoing, ref c);
            }

            return;
        }

        if (forUs)
        {
            AnswerLocally(source, socket, outgoing, ref c);
            return;
        }

        Forward(m.Span(nextHopUri), next, maxForwards, source, socket, outgoing, ref c);
    }

    /// <summary>Requests addressed to this proxy (no Route left, Request-URI is us).</summary>
    private void AnswerLocally(in NetAddress source, int socket, DatagramBatch outgoing, ref ProxyCounters c)
    {
        switch (_message.Method)
        {
            case SipMethod.Options:
                SendReply(200, "OK"u8, OptionsHeaders, source, socket, outgoing, ref c);
                break;
            case SipMethod.Ack:
                c.AcksAbsorbed++; // the ACK of a reply we sent; nothing to answer
                break;
            case SipMethod.Cancel:
                SendReply(481, "Call/Transaction Does Not Exist"u8, default, source, socket, outgoing, ref c);
                break;
            case SipMethod.Register:
                // The built-in pipeline has no location service; the registrar module brings one.
                SendReply(501, "Not Implemented (no registrar)"u8, OptionsHeaders, source, socket, outgoing, ref c);
                break;
            default:
                SendReply(404, "Not Found"u8, default, source, socket, outgoing, ref c);
                break;
        }
    }

    private void Forward(ReadOnlySpan<byte> uriText, in SipUri uri, int maxForwards, in NetAddress source, int socket,
        DatagramBatch outgoing, ref ProxyCounters c)
    {
        SipMessage m = _message;
        NetAddressFamily preferred = _identity.Bound(socket).Family;
        switch (ResolveUri(uriText, uri, preferred, out NetAddress destination))
        {
            case NextHop.Pending:
                c.UnresolvedDrops++; // the retransmission will find the answer
                return;
            case NextHop.Unresolvable:
                c.NoRouteReplies++;
                SendReply(478, "Unresolvable Destination"u8, default, source, socket, outgoing, ref c);
                return;
            case NextHop.UnsupportedScheme:
                c.NoRouteReplies++;
                SendReply(416, "Unsupported URI Scheme"u8, default, source, socket, outgoing, ref c);
                return;
            case NextHop.UnsupportedTransport:
                c.NoRouteReplies++;
                SendReply(503, "Transport Not Supported"u8, default, source, socket, outgoing, ref c);
                return;
        }

        int outSocket = _identity.OutgoingSocket(socket, destination);
        if (outSocket < 0)
        {
            c.NoRouteReplies++;
            SendReply(503, "No Socket For Address Family"u8, default, source, socket, outgoing, ref c);
            return;
        }

        // Our Via: prefix of the outgoing socket, stateless branch, CRLF.
        Span<byte> via = _scratch;
        ReadOnlySpan<byte> prefix = _identity.ViaPrefix(outSocket);
        prefix.CopyTo(via);
        Span<byte> branch = via.Slice(prefix.Length, StatelessBranch.Length);
        StatelessBranch.TryWrite(m, branch);
        if (IsLoop(branch))
        {
            c.LoopsDetected++;
            SendReply(482, "Loop Detected"u8, default, source, socket, outgoing, ref c);
            return;
        }

        int viaLength = prefix.Length + StatelessBranch.Length;
        "\r\n"u8.CopyTo(via[viaLength..]);
        _edits.AddHeaderBefore(m.FindHeader(HeaderId.Via), via[..(viaLength + 2)]);
        ProcessMaxForwards(maxForwards);

        if (!outgoing.TryGetFreeSlot(out Span<byte> slot))
        {
            c.OutputFull++;
            return;
        }

        int written = SipWriter.Write(m, _edits, slot);
        if (written < 0)
        {
            c.OutputFull++;
            return;
        }

        outgoing.Commit(written, destination, outSocket);
        c.RequestsForwarded++;
    }

    /// <summary>maxfwd: absent → add 70; else decrement in place, right-aligned (the header keeps its length).</summary>
    private void ProcessMaxForwards(int maxForwards)
    {
        if (maxForwards < 0)
        {
            _edits.AddHeader(MaxForwardsLine);
            return;
        }

        TextRange value = _message.Header(_message.FindHeader(HeaderId.MaxForwards)).Value;
        Span<byte> digits = _scratch.AsSpan(512, value.Length);
        int n = maxForwards - 1;
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            digits[i] = n > 0 || i == digits.Length - 1 ? (byte)('0' + n % 10) : (byte)' ';
            n /= 10;
        }

        _edits.Replace(value, digits);
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
}
