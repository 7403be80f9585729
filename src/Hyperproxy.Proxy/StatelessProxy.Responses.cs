using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Sip.Headers;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

public sealed partial class StatelessProxy
{
    /// <summary>
    /// A response relayed statelessly (RFC 3261 §16.11, §18.2.2): the script's onreply_route runs
    /// first (a <c>drop</c> there discards a provisional); relaying is on when the script calls
    /// forward() (or disable_stateless_fwd=no). The top Via must be ours and is removed; the response
    /// goes to the next Via — maddr, else received, else the sent-by host; the rport value, else the
    /// sent-by port, else 5060. A 503 is relayed as 500 (§16.7 step 6).
    /// </summary>
    private void ProcessResponse(in NetAddress source, int socket, DatagramBatch outgoing, ref ProxyCounters c)
    {
        SipMessage m = _message;
        if (_pinger is not null && _pinger.TryAbsorbReply(m))
        {
            c.NatPingReplies++;
            return;
        }

        if (_tm is not null && TryTmResponse(source, socket, ref c))
        {
            return;
        }

        if (_script.HasReplyRoute)
        {
            _context.Begin(m, _edits, source, socket);
            if (!_script.RunReply(_context) && m.StatusCode < 200)
            {
                c.RepliesDropped++;
                return;
            }
        }

        if (!_script.RelaysReplies)
        {
            c.RepliesDropped++;
            return;
        }

        RelayResponse(socket, ref c);
    }

    /// <summary>The response in hand without our top Via, to the next Via (503 relayed as 500); false when it could not go.</summary>
    private bool RelayResponse(int socket, ref ProxyCounters c)
    {
        SipMessage m = _message;
        int vias = FirstTwo(HeaderId.Via, out HeaderValue top, out HeaderValue next);

        if (m.GetTopVia(out ViaHeader ours) != SipError.None || !_identity.IsMe(m.Span(ours.Host), ours.PortNumber))
        {
            c.RepliesNotForUs++;
            return false;
        }

        if (vias < 2 || !ViaHeader.TryParse(m.Span(next.Value), next.Value.Start, out ViaHeader via))
        {
            c.RepliesWithoutNextVia++;
            return false;
        }

        RemoveListElement(top, next);
        if (m.StatusCode == 503)
        {
            _edits.Replace(new TextRange(m.StartLine.Start + 8, 3), "500"u8);
        }

        TextRange hostRange = via.Maddr.IsPresent ? via.Maddr : via.Received.IsPresent ? via.Received : via.Host;
        int port = via.Rport.IsPresent && TryParsePort(m.Span(via.Rport), out int rport) ? rport
            : via.PortNumber != 0 ? via.PortNumber : 5060;
        NetAddressFamily preferred = _identity.Bound(socket).Family;
        if (ResolveHost(m.Span(hostRange), port, preferred, out NetAddress destination) != RouteError.None)
        {
            c.UnresolvedDrops++;
            return false;
        }

        // The next Via's transport picks the socket; on a stream, our Via's ;i= names the request's connection
        // (RFC 3261 §18.2.2: the same connection while it lives; else the transport finds or opens one to the address).
        if (!TransportProtocols.TryParse(m.Span(via.Transport), out TransportProtocol protocol))
        {
            protocol = TransportProtocol.Udp;
        }

        int outSocket = _identity.OutgoingSocket(socket, destination, protocol);
        if (outSocket < 0)
        {
            c.OutputFull++;
            return false;
        }

        if (TryWriteOut(destination, outSocket, ref c, ConnectionParam(m.Span(ours.Params))))
        {
            c.RepliesForwarded++;
            return true;
        }

        return false;
    }

    /// <summary>The value of an <c>;i=</c> parameter (hex connection id) among Via parameters; 0 when absent or not hex.</summary>
    private static long ConnectionParam(ReadOnlySpan<byte> parameters)
    {
        int at = parameters.IndexOf(";i="u8);
        if (at < 0)
        {
            return 0;
        }

        ReadOnlySpan<byte> value = parameters[(at + 3)..];
        int end = value.IndexOfAny((byte)';', (byte)' ', (byte)',');
        if (end >= 0)
        {
            value = value[..end];
        }

        return System.Buffers.Text.Utf8Parser.TryParse(value, out ulong id, out int consumed, 'x') && consumed == value.Length ? (long)id : 0;
    }

    private static bool TryParsePort(ReadOnlySpan<byte> digits, out int port)
    {
        port = 0;
        if (digits.Length is 0 or > 5)
        {
            return false;
        }

        foreach (byte b in digits)
        {
            if ((uint)(b - '0') > 9)
            {
                return false;
            }

            port = port * 10 + (b - '0');
        }

        return port is > 0 and <= 65535;
    }
}
