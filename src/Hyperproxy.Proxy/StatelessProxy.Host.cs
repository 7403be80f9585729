using System.Buffers.Text;
using System.Text;
using Hyperproxy.Hosting;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Sip.Headers;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>The script's view of the server (<see cref="IScriptHost"/>): replies, sending, sockets, "me", logging.</summary>
public sealed partial class StatelessProxy
{
    public int Reply(ScriptContext context, int code, ReadOnlySpan<byte> reason)
    {
        ref ProxyCounters c = ref _counters[_index];
        if (!_message.IsRequest)
        {
            return -1;
        }

        if (_message.Method == SipMethod.Ack)
        {
            return 1; // ACKs are never answered
        }

        if (code == 483)
        {
            c.TooManyHops++;
        }

        if (_inFailureRoute && _tmCurrent is not null)
        {
            return TReply(context, code, reason); // send_reply in failure_route: the transaction answers (signaling)
        }

        return SendReply(code, reason, context.ReplyHeaders, context.Source, context.Socket, _outgoing, ref c, context.RportForced) ? 1 : -1;
    }

    /// <summary>send(dest[, headers]): the message with the edits so far (no Via of ours) to <c>[proto:]host[:port]</c>.</summary>
    public int Send(ScriptContext context, ReadOnlySpan<byte> destinationText, ReadOnlySpan<byte> headers)
    {
        ref ProxyCounters c = ref _counters[_index];
        NetAddressFamily preferred = _identity.Bound(context.Socket).Family;
        // send() answers nothing (no sl_reply_error); whatever stops it is dropped and only counted.
        RouteError resolved = ResolveHostPort(destinationText, preferred, out NetAddress destination, out TransportProtocol protocol);
        if (resolved != RouteError.None)
        {
            c.UnresolvedDrops++;
            c.RequestsDropped++;
            return RouteErrors.ReturnCode(resolved == RouteError.UnsupportedTransport ? resolved : RouteError.Unresolvable);
        }

        int outSocket = SendSocket(context, destination, protocol);
        if (outSocket < 0 || context.CompleteDeferred(outSocket) != SipError.None || (!headers.IsEmpty && _edits.AddHeader(headers) != SipError.None) || context.CommitRequestUri() != SipError.None)
        {
            return RouteErrors.ReturnCode(RouteError.Internal);
        }

        if (!TryWriteOut(destination, outSocket, ref c))
        {
            return RouteErrors.ReturnCode(RouteError.OutputFull);
        }

        context.Answered = true;
        return RouteErrors.Routed;
    }

    public bool IsMyself(ReadOnlySpan<byte> host, int port) => _identity.IsMyself(host, port);

    public int FindSocket(ReadOnlySpan<byte> socket)
    {
        ReadOnlySpan<byte> rest = socket;
        int colon = rest.IndexOf((byte)':');
        TransportProtocol protocol = TransportProtocol.Udp;
        bool named = colon > 0 && rest[0] != (byte)'[' && TransportProtocols.TryParse(rest[..colon], out protocol);
        if (named)
        {
            rest = rest[(colon + 1)..];
        }

        if (!SplitHostPort(rest, out ReadOnlySpan<byte> host, out int port) || !NetAddress.TryParse(host, port, out NetAddress wanted))
        {
            return -1;
        }

        for (int i = 0; i < _identity.SocketCount; i++)
        {
            NetAddress bound = _identity.Bound(i);
            if (bound.HostEquals(wanted) && (port == 0 || bound.Port == port) && (!named || _identity.Protocol(i) == protocol))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>force_rport(): rport=&lt;source port&gt; (and received) on the top Via now; replies go to the source port.</summary>
    /// <summary>force_tcp_alias([port]): the request's TCP/TLS connection also answers to its source IP with the port (default the top Via's).</summary>
    public int AddConnectionAlias(ScriptContext context, int port)
    {
        if (_connection == 0 || Streams is null || _message.GetTopVia(out ViaHeader via) != SipError.None)
        {
            return -1;
        }

        if (port == 0)
        {
            port = via.PortNumber != 0 ? via.PortNumber : _identity.TransportName(context.Socket).SequenceEqual("tls"u8) ? 5061 : 5060;
        }

        return Streams.AddAlias(_connection, port) ? 1 : -1;
    }

    public bool IsConnectionOpen(long connection) => Streams is not null && Streams.IsOpen(connection);

    public void ForceRport(ScriptContext context)
    {
        context.RportForced = true;
        if (_message.GetTopVia(out ViaHeader via) != SipError.None || via.HasRport)
        {
            return;
        }

        Span<byte> text = _scratch.AsSpan(0, 96);
        ";rport="u8.CopyTo(text);
        Utf8Formatter.TryFormat(context.Source.Port, text[7..], out int n);
        n += 7;
        bool hostDiffers = !NetAddress.TryParse(_message.Span(via.Host), 0, out NetAddress sentBy) || !sentBy.HostEquals(context.Source);
        if (!hostDiffers && !via.Received.IsPresent && context.Source.TryFormatHost(text[(n + 10)..], out int hostLength))
        {
            Span<byte> host = text.Slice(n + 10, hostLength);
            if (host.Length > 1 && host[0] == (byte)'[')
            {
                host[1..^1].CopyTo(text[(n + 10)..]);
                hostLength -= 2;
            }

            ";received="u8.CopyTo(text[n..]);
            n += 10 + hostLength;
        }

        _edits.InsertBefore(via.SentByEnd, text[..n]);
    }

    public NetAddress SocketAddress(int socket) => _identity.Bound(socket);

    public ReadOnlySpan<byte> AdvertisedHost(int socket) => _identity.AdvertisedHost(socket);

    public int AdvertisedPort(int socket) => _identity.AdvertisedPort(socket);

    public ReadOnlySpan<byte> SocketTransport(int socket) => _identity.TransportName(socket);

    public bool IsLogEnabled(int level) => Hosting.Log.IsScriptLevelEnabled(level);

    public void Log(int level, ReadOnlySpan<byte> text) => Hosting.Log.WriteScript(level, text);

    /// <summary><c>[proto:]host[:port]</c> (udp, tcp, tls — a transport some socket serves — or no protocol: udp) to an address.</summary>
    private RouteError ResolveHostPort(ReadOnlySpan<byte> text, NetAddressFamily preferred, out NetAddress destination, out TransportProtocol protocol)
    {
        destination = default;
        protocol = TransportProtocol.Udp;
        ReadOnlySpan<byte> rest = text;
        int colon = rest.IndexOf((byte)':');
        // "udp:127.0.0.1:5060" names a protocol; "udp:5060" is a host called udp with a port.
        if (colon > 0 && IsTransportName(rest[..colon]) && !IsAllDigits(rest[(colon + 1)..]))
        {
            if (!TransportProtocols.TryParse(rest[..colon], out protocol) || !_identity.Serves(protocol))
            {
                return RouteError.UnsupportedTransport;
            }

            rest = rest[(colon + 1)..];
        }

        if (!SplitHostPort(rest, out ReadOnlySpan<byte> host, out int port))
        {
            return RouteError.Unresolvable;
        }

        if (host.Length > 2 && host[0] == (byte)'[')
        {
            host = host[1..^1];
        }

        // RFC 3263 §4.2: a name without a port is looked up by SRV of the transport (forward("host"), forward("tcp:host")).
        Dns.NextHopMode mode = port != 0 ? Dns.NextHopMode.Address : protocol switch
        {
            TransportProtocol.Udp => Dns.NextHopMode.SrvUdp,
            TransportProtocol.Tcp => Dns.NextHopMode.SrvTcp,
            TransportProtocol.Tls => Dns.NextHopMode.SrvTls,
            _ => Dns.NextHopMode.Address,
        };
        return ResolveHost(host, port != 0 ? port : protocol.DefaultPort(), preferred, out destination, mode, ref protocol);
    }

    private static bool IsTransportName(ReadOnlySpan<byte> name) =>
        Ascii.EqualsIgnoreCase(name, "udp"u8) || Ascii.EqualsIgnoreCase(name, "tcp"u8) || Ascii.EqualsIgnoreCase(name, "tls"u8)
        || Ascii.EqualsIgnoreCase(name, "sctp"u8) || Ascii.EqualsIgnoreCase(name, "ws"u8) || Ascii.EqualsIgnoreCase(name, "wss"u8);

    private static bool IsAllDigits(ReadOnlySpan<byte> text) => !text.IsEmpty && !text.ContainsAnyExceptInRange((byte)'0', (byte)'9');

    private static bool SplitHostPort(ReadOnlySpan<byte> text, out ReadOnlySpan<byte> host, out int port)
    {
        port = 0;
        host = text;
        int close = text.LastIndexOf((byte)']');
        int colon = text.LastIndexOf((byte)':');
        bool bareV6 = close < 0 && text.IndexOf((byte)':') != colon;
        if (colon > close && !bareV6)
        {
            host = text[..colon];
            if (!Utf8Parser.TryParse(text[(colon + 1)..], out port, out int consumed) || consumed != text.Length - colon - 1 || port is < 1 or > 65535)
            {
                return false;
            }
        }

        return !host.IsEmpty;
    }

    /// <summary>
    /// <c>$stat(name)</c>: the server's statistics registry, else the core and usrloc statistics
    /// (<see cref="ProxyStatistics.TryRead"/>).
    /// </summary>
    public bool TryGetStatistic(ReadOnlySpan<byte> name, out long value) =>
        ProxyStatistics.TryRead(Statistics, _counters, _store, _replyStats, name, out value);
}
