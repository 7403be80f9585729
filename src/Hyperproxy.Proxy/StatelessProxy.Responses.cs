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

        int outSocket = _identity.OutgoingSocket(socket, destination);
        if (outSocket < 0)
        {
            c.OutputFull++;
            return false;
        }

        if (TryWriteOut(destination, outSocket, ref c))
        {
            c.RepliesForwarded++;
            return true;
        }

        return false;
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
