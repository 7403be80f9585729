using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Hyperproxy.Proxy.Dns;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Sip.Headers;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

public sealed partial class StatelessProxy
{
    private static readonly SearchValues<byte> s_digitsAndDots = SearchValues.Create("0123456789."u8);

    private static ReadOnlySpan<byte> ServerHeader => "Server: Hyperproxy\r\n"u8;

    private readonly byte[] _replyHeaders = new byte[4200];

    /// <summary>
    /// RFC 3261 §18.2.1 / RFC 3581 on the top Via of a request: <c>;received=</c> when the sent-by
    /// host is not the source address, or rport was asked, or an old received is there (replaced);
    /// <c>;rport=PORT</c> filled in when rport was asked. Recorded as edits, so the forwarded request
    /// and our own replies both carry it.
    /// </summary>
    private void StampTopVia(in NetAddress source)
    {
        if (_message.GetTopVia(out ViaHeader via) != SipError.None)
        {
            return;
        }

        bool hostDiffers = !NetAddress.TryParse(_message.Span(via.Host), 0, out NetAddress sentBy) || !sentBy.HostEquals(source);
        if (!hostDiffers && !via.HasRport && !via.Received.IsPresent)
        {
            return;
        }

        Span<byte> text = _scratch.AsSpan(0, 128);
        int n = 0;
        if (source.TryFormatHost(text[10..], out int hostLength))
        {
            // RFC 3261 received is IPv4address / IPv6address: no brackets (RFC 5118 §4.5).
            Span<byte> host = text.Slice(10, hostLength);
            if (host.Length > 1 && host[0] == (byte)'[')
            {
                host = host[1..^1];
            }

            if (via.Received.IsPresent)
            {
                _edits.Replace(via.Received, host);
            }
            else
            {
                ";received="u8.CopyTo(text);
                host.CopyTo(text[10..]);
                n = 10 + host.Length;
                _edits.InsertBefore(via.SentByEnd, text[..n]);
            }
        }

        if (via.HasRport)
        {
            Span<byte> rport = _scratch.AsSpan(128, 16);
            ";rport="u8.CopyTo(rport);
            Utf8Formatter.TryFormat(source.Port, rport[7..], out int digits);
            _edits.Replace(via.RportParam, rport[..(7 + digits)]);
        }
    }

    /// <summary>
    /// sl_send_reply: a stateless reply built from the request (with its Via edits), sent from the
    /// receiving socket to the source address; the port is the source port when the top Via asked
    /// for rport (or cannot be read), else the Via's sent-by port, else 5060 (RFC 3261 §18.2.2).
    /// </summary>
    private bool SendReply(int status, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> extraHeaders, in NetAddress source,
        int socket, DatagramBatch outgoing, ref ProxyCounters c, bool rportForced = false)
    {
        SipMessage m = _message;
        if (m.Method == SipMethod.Ack)
        {
            return false;
        }

        Span<byte> toTag = default;
        if (status > 100 && StatelessBranch.TryWriteToTag(m, _scratch.AsSpan(256, 32), out int tagLength))
        {
            toTag = _scratch.AsSpan(256, tagLength);
        }

        int port = source.Port;
        if (!rportForced && m.GetTopVia(out ViaHeader via) == SipError.None && !via.HasRport)
        {
            port = via.PortNumber != 0 ? via.PortNumber : 5060;
        }

        if (!outgoing.TryGetFreeSlot(out Span<byte> slot))
        {
            c.OutputFull++;
            return false;
        }

        Span<byte> headers = _replyHeaders;
        int h = 0;
        if (!TryAppend(headers, ref h, extraHeaders) || !TryAppend(headers, ref h, ServerHeader))
        {
            c.OutputFull++;
            return false;
        }

        int written = SipResponseWriter.Write(m, _edits, status, reason, toTag, headers[..h], slot);
        if (written < 0)
        {
            c.OutputFull++;
            return false;
        }

        // RFC 3261 §18.2.2: on a stream, the reply goes back on the request's connection (the transport falls back to
        // a live connection to source:port, then to a new one) — the same seam a forward uses.
        outgoing.Commit(written, source.WithPort(port), socket, _connection);
        if (_context.TraceId != 0)
            TraceOut(slot[..written], source.WithPort(port), socket);
        c.LocalReplies++;
        CountReplyClass(status, ref c);
        _context.Answered = true;
        return true;
    }

    private RouteError ResolveUri(ReadOnlySpan<byte> text, in SipUri uri, NetAddressFamily preferred, out NetAddress destination) =>
        ResolveUri(text, uri, preferred, out destination, out _);

    /// <summary>
    /// A sip:/sips: URI to an address and transport: <c>;transport=</c> (udp, tcp, tls), sips: means TLS (RFC 3261
    /// §26.2.2), else UDP; a transport no socket serves is 503 Transport Not Supported. No port: 5060, 5061 for TLS.
    /// </summary>
    private RouteError ResolveUri(ReadOnlySpan<byte> text, in SipUri uri, NetAddressFamily preferred, out NetAddress destination,
        out TransportProtocol protocol)
    {
        destination = default;
        protocol = TransportProtocol.Udp;
        if (uri.Scheme is not (UriScheme.Sip or UriScheme.Sips))
        {
            return RouteError.UnsupportedScheme;
        }

        if (uri.Transport.IsPresent && !TransportProtocols.TryParse(text.Slice(uri.Transport.Start, uri.Transport.Length), out protocol))
        {
            return RouteError.UnsupportedTransport;
        }

        if (uri.Scheme == UriScheme.Sips)
        {
            if (!_identity.Serves(TransportProtocol.Tls))
            {
                return RouteError.UnsupportedScheme;
            }

            if (uri.Transport.IsPresent && protocol == TransportProtocol.Udp)
            {
                return RouteError.UnsupportedTransport;
            }

            protocol = TransportProtocol.Tls;
        }

        // RFC 3263 §4.1/§4.2: with a port, A/AAAA on it; without one, SRV of the URI's transport; with neither, NAPTR
        // (dns_try_naptr) and SRV choose the transport too.
        NextHopMode mode = uri.PortNumber != 0 ? NextHopMode.Address
            : uri.Transport.IsPresent ? protocol switch
            {
                TransportProtocol.Udp => NextHopMode.SrvUdp,
                TransportProtocol.Tcp => NextHopMode.SrvTcp,
                TransportProtocol.Tls => NextHopMode.SrvTls,
                _ => NextHopMode.Address,
            }
            : uri.Scheme == UriScheme.Sips ? NextHopMode.AnySips : NextHopMode.AnySip;
        if (mode is not NextHopMode.AnySip and not NextHopMode.AnySips && !_identity.Serves(protocol))
        {
            return RouteError.UnsupportedTransport;
        }

        TextRange hostRange = uri.Maddr.IsPresent ? uri.Maddr : uri.Host;
        int port = uri.PortNumber != 0 ? uri.PortNumber : protocol.DefaultPort();
        RouteError error = ResolveHost(text.Slice(hostRange.Start, hostRange.Length), port, preferred, out destination, mode, ref protocol);
        if (error == RouteError.None && !_identity.Serves(protocol))
        {
            return RouteError.UnsupportedTransport; // sip: with no transport and an address: UDP, which no socket serves
        }

        return error;
    }

    private RouteError ResolveHost(ReadOnlySpan<byte> host, int port, NetAddressFamily preferred, out NetAddress destination)
    {
        TransportProtocol unused = TransportProtocol.Udp;
        return ResolveHost(host, port, preferred, out destination, NextHopMode.Address, ref unused);
    }

    /// <summary>
    /// A host (address or name) to the address to send to. A name is looked up for <paramref name="mode"/>; for the modes
    /// that look up SRV/NAPTR the port comes from the answer and <paramref name="protocol"/> becomes the transport chosen.
    /// </summary>
    private RouteError ResolveHost(ReadOnlySpan<byte> host, int port, NetAddressFamily preferred, out NetAddress destination, NextHopMode mode,
        ref TransportProtocol protocol)
    {
        if (port == 0)
        {
            port = 5060;
        }

        _resolvedNameLength = 0;

        if (NetAddress.TryParse(host, port, out destination))
        {
            return destination.IsNotUnicast ? RouteError.NotUnicast : RouteError.None;
        }

        // A numeric host that is no address ("[2001:db8:::192.0.2.1]", "192.0.2.300") is no name either
        // (a top-level label is never all digits): answered at once, never sent to DNS.
        if (host.IsEmpty || host[0] == (byte)'[' || !host.ContainsAnyExcept(s_digitsAndDots))
        {
            return RouteError.Unresolvable;
        }

        if (host.Length <= _resolvedName.Length)
        {
            // tm's DNS failover tries the name's further targets (StatelessProxy.TmFailover.cs)
            host.CopyTo(_resolvedName);
            _resolvedNameLength = host.Length;
            _resolvedPort = port;
            _resolvedMode = mode;
        }

        NextHopResolver.Result result = _resolver.Lookup(host, port, mode, preferred, 0, out destination, out TransportProtocol located);
        if (result == NextHopResolver.Result.Found && mode != NextHopMode.Address && _resolver.Locates)
        {
            protocol = located;
        }

        return result switch
        {
            NextHopResolver.Result.Found => destination.IsNotUnicast ? RouteError.NotUnicast : RouteError.None,
            NextHopResolver.Result.Pending => RouteError.ResolutionPending,
            _ => RouteError.Unresolvable,
        };
    }

    private static bool TryAppend(Span<byte> destination, ref int at, ReadOnlySpan<byte> bytes)
    {
        if (!bytes.TryCopyTo(destination[at..]))
        {
            return false;
        }

        at += bytes.Length;
        return true;
    }

    private static void CountReplyClass(int status, ref ProxyCounters c)
    {
        switch (status / 100)
        {
            case 1: c.Replies1xx++; break;
            case 2: c.Replies2xx++; break;
            case 3: c.Replies3xx++; break;
            case 4: c.Replies4xx++; break;
            case 5: c.Replies5xx++; break;
            default: c.Replies6xx++; break;
        }
    }
}
