using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Hyperproxy.Modules.Tm;
using Hyperproxy.Script.Management;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// Builds the request of MI <c>t_uac_dlg</c> on the management thread, with OpenSIPS's checks and answers (tm's
/// <c>mi.c</c>): <c>400 Invalid ruri</c>, <c>400 Invalid next_hop</c>, <c>404 Invalid local socket</c>,
/// <c>404 Local socket not found</c>, <c>400 Bad headers</c>, <c>400 To missing</c>, <c>400 From missing</c>,
/// <c>400 Error in From</c>, <c>400 Bad CSeq number</c>, <c>400 CSeq method mismatch</c>, <c>400 Content-Type missing</c>,
/// <c>400 Content-Length disallowed</c>. The headers parameter may spell line ends as the two characters <c>\r\n</c>
/// (opensips-cli's way); <c>!!</c> in it becomes the sending socket's <c>ip:port</c>. Call-ID, From tag and CSeq (10)
/// are generated when the headers lack them. Layout:
/// <code>
/// METHOD ruri SIP/2.0
/// Via: SIP/2.0/UDP|TCP|TLS host:port;branch=&lt;tm branch id, written by the owning worker&gt;
/// Max-Forwards: 70            (unless the headers have one)
/// From, To, Call-ID, CSeq
/// the other headers, in order
/// Content-Length: n
///
/// body
/// </code>
/// The request goes to next_hop when given (no Route is added), else to the ruri: its host (a name is resolved), port
/// (5060, 5061 for TLS), <c>;transport=</c> (sips: TLS), from the given socket or the first socket of that transport
/// and address family.
/// </summary>
public static class UacBuilder
{
    /// <summary>OpenSIPS's CSeq when the headers give none.</summary>
    public const uint DefaultCSeq = 10;

    public static UacRequest Build(TmUacCall call, ProxyIdentity identity, Func<string, IPAddress[]> resolve, int traceId)
    {
        string method = call.Method.Trim();
        if (method.Length == 0 || !method.All(IsTokenChar))
        {
            throw new MiException(400, "Invalid method");
        }

        if (method is "ACK" or "CANCEL")
        {
            throw new MiException(400, $"Invalid method: tm sends {method} itself (a CANCEL or ACK starts no transaction of its own)");
        }

        if (!TryUri(call.Ruri, out SipUri ruri, out byte[] ruriBytes))
        {
            throw new MiException(400, "Invalid ruri");
        }

        SipUri target = ruri;
        byte[] targetBytes = ruriBytes;
        if (call.NextHop is { Length: > 0 } nextHop && nextHop != "." && !TryUri(nextHop, out target, out targetBytes))
        {
            throw new MiException(400, "Invalid next_hop");
        }

        int forced = -1;
        if (call.Socket is { Length: > 0 } socket && socket != ".")
        {
            forced = FindSocket(socket, identity);
        }

        List<(string Name, string Value)> headers = ParseHeaders(call.Headers);
        string? body = string.IsNullOrEmpty(call.Body) ? null : call.Body;
        string? from = Get(headers, "from", "f");
        string? to = Get(headers, "to", "t");
        if (body is not null && Get(headers, "content-type", "c") is null)
        {
            throw new MiException(400, "Content-Type missing");
        }

        if (body is not null && Get(headers, "content-length", "l") is not null)
        {
            throw new MiException(400, "Content-Length disallowed");
        }

        if (to is null)
        {
            throw new MiException(400, "To missing");
        }

        if (from is null)
        {
            throw new MiException(400, "From missing");
        }

        uint cseq = DefaultCSeq;
        if (Get(headers, "cseq", null) is { } cseqText)
        {
            string[] parts = cseqText.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out cseq) || cseq > int.MaxValue)
            {
                throw new MiException(400, "Bad CSeq number");
            }

            if (parts.Length != 2 || parts[1] != method)
            {
                throw new MiException(400, "CSeq method mismatch");
            }
        }

        TransportProtocol protocol = ProtocolOf(target, targetBytes);
        NetAddress destination = Destination(target, targetBytes, protocol, resolve);
        int outSocket = forced >= 0 ? forced : identity.OutgoingSocket(-1, destination, protocol);
        if (outSocket < 0)
        {
            throw new MiException(500, $"No socket to send to {destination} over {protocol.Name()} (MI/UAC)");
        }

        if (identity.Protocol(outSocket).IsWebSocket())
        {
            throw new MiException(500, "MI/UAC failed: a locally originated request cannot open a WebSocket connection");
        }

        protocol = identity.Protocol(outSocket);
        if (destination.Family != identity.Bound(outSocket).Family)
        {
            throw new MiException(500, $"No socket to send to {destination} over {protocol.Name()} (MI/UAC)");
        }

        string local = Encoding.ASCII.GetString(identity.AdvertisedHost(outSocket)) + ":" + identity.AdvertisedPort(outSocket).ToString(CultureInfo.InvariantCulture);
        string callId = Get(headers, "call-id", "i") ?? RandomHex(16) + "@" + Encoding.ASCII.GetString(identity.AdvertisedHost(outSocket)).Trim('[', ']');
        byte[] message = Write(method, call.Ruri.Trim(), identity.ViaPrefix(outSocket), from, to, callId, cseq, headers, body, local, out int branchOffset);
        var parsed = new SipMessage();
        if (parsed.Parse(message, 0, message.Length) != SipError.None)
        {
            throw new MiException(400, parsed.Error is SipError.BadFrom ? "Error in From" : "Bad headers");
        }

        if (parsed.GetFrom(out _) != SipError.None)
        {
            throw new MiException(400, "Error in From");
        }

        if (parsed.GetTo(out _) != SipError.None)
        {
            throw new MiException(400, "Bad headers");
        }

        if (!parsed.FromTag.IsPresent || parsed.FromTag.Length == 0)
        {
            message = Write(method, call.Ruri.Trim(), identity.ViaPrefix(outSocket), from + ";tag=" + RandomHex(16), to, callId, cseq, headers, body, local, out branchOffset);
        }

        return new UacRequest(message, branchOffset, MethodOf(method), destination, outSocket, protocol.IsStream()) { TraceId = traceId };
    }

    private static byte[] Write(string method, string ruri, ReadOnlySpan<byte> viaPrefix, string from, string to, string callId, uint cseq,
        List<(string Name, string Value)> headers, string? body, string local, out int branchOffset)
    {
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(ruri).Append(" SIP/2.0\r\n");
        string via = Encoding.ASCII.GetString(viaPrefix);
        branchOffset = Encoding.UTF8.GetByteCount(head.ToString()) + Encoding.ASCII.GetByteCount(via);
        head.Append(via).Append('x', TmBranchId.Length).Append("\r\n");
        if (Get(headers, "max-forwards", null) is null)
        {
            head.Append("Max-Forwards: 70\r\n");
        }

        head.Append("From: ").Append(from).Append("\r\n");
        head.Append("To: ").Append(to).Append("\r\n");
        head.Append("Call-ID: ").Append(callId).Append("\r\n");
        head.Append("CSeq: ").Append(cseq.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(method).Append("\r\n");
        foreach ((string name, string value) in headers)
        {
            if (Is(name, "from", "f") || Is(name, "to", "t") || Is(name, "call-id", "i") || Is(name, "cseq", null) || Is(name, "content-length", "l"))
            {
                continue;
            }

            head.Append(name).Append(": ").Append(value.Replace("!!", local, StringComparison.Ordinal)).Append("\r\n");
        }

        byte[] bodyBytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        head.Append("Content-Length: ").Append(bodyBytes.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
        byte[] start = Encoding.UTF8.GetBytes(head.ToString());
        return [.. start, .. bodyBytes];
    }

    /// <summary>The header lines of the parameter: <c>\r\n</c> spelt out or real line ends, folded lines joined.</summary>
    private static List<(string Name, string Value)> ParseHeaders(string text)
    {
        string unescaped = text.Replace("\\r\\n", "\n", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal).Replace("\r\n", "\n", StringComparison.Ordinal);
        var lines = new List<string>();
        foreach (string line in unescaped.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] is ' ' or '\t')
            {
                if (lines.Count == 0)
                {
                    throw new MiException(400, "Bad headers");
                }

                lines[^1] += " " + line.Trim();
                continue;
            }

            lines.Add(line);
        }

        var headers = new List<(string, string)>(lines.Count);
        foreach (string line in lines)
        {
            int colon = line.IndexOf(':');
            string name = colon > 0 ? line[..colon].Trim() : "";
            if (name.Length == 0 || !name.All(IsTokenChar) || line.Any(ch => ch < 0x20 && ch != '\t'))
            {
                throw new MiException(400, "Bad headers");
            }

            headers.Add((name, line[(colon + 1)..].Trim()));
        }

        return headers;
    }

    private static string? Get(List<(string Name, string Value)> headers, string name, string? compact)
    {
        foreach ((string n, string v) in headers)
        {
            if (Is(n, name, compact))
            {
                return v;
            }
        }

        return null;
    }

    private static bool Is(string n, string name, string? compact) =>
        n.Equals(name, StringComparison.OrdinalIgnoreCase) || (compact is not null && n.Equals(compact, StringComparison.OrdinalIgnoreCase));

    private static bool TryUri(string text, out SipUri uri, out byte[] bytes)
    {
        bytes = Encoding.UTF8.GetBytes(text.Trim());
        return SipUri.TryParse(bytes, out uri) && uri.Scheme is UriScheme.Sip or UriScheme.Sips && uri.Host.IsPresent && uri.Host.Length > 0;
    }

    private static TransportProtocol ProtocolOf(in SipUri uri, byte[] text)
    {
        if (uri.Scheme == UriScheme.Sips)
        {
            return TransportProtocol.Tls;
        }

        if (!uri.Transport.IsPresent)
        {
            return TransportProtocol.Udp;
        }

        string transport = Encoding.ASCII.GetString(text.AsSpan(uri.Transport.Start, uri.Transport.Length)).ToLowerInvariant();
        return transport switch
        {
            "udp" => TransportProtocol.Udp,
            "tcp" => TransportProtocol.Tcp,
            "tls" => TransportProtocol.Tls,
            _ => throw new MiException(500, $"MI/UAC failed: transport '{transport}' is not udp, tcp or tls"),
        };
    }

    private static NetAddress Destination(in SipUri uri, byte[] text, TransportProtocol protocol, Func<string, IPAddress[]> resolve)
    {
        ReadOnlySpan<byte> host = text.AsSpan(uri.Maddr.IsPresent && uri.Maddr.Length > 0 ? uri.Maddr.Start : uri.Host.Start,
            uri.Maddr.IsPresent && uri.Maddr.Length > 0 ? uri.Maddr.Length : uri.Host.Length);
        int port = uri.PortNumber != 0 ? uri.PortNumber : protocol == TransportProtocol.Tls ? 5061 : 5060;
        ReadOnlySpan<byte> bare = host.Length > 1 && host[0] == '[' ? host[1..^1] : host;
        if (NetAddress.TryParse(bare, port, out NetAddress address))
        {
            return address;
        }

        string name = Encoding.ASCII.GetString(bare);
        IPAddress[] found;
        try
        {
            found = resolve(name);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException)
        {
            throw new MiException(476, $"Unresolvable destination (476/MI/UAC): {name}");
        }

        IPAddress? pick = found.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? found.FirstOrDefault();
        return pick is null
            ? throw new MiException(476, $"Unresolvable destination (476/MI/UAC): {name}")
            : NetAddress.FromIPEndPoint(new IPEndPoint(pick, port));
    }

    /// <summary>socket: <c>[proto:]host[:port]</c> naming one of the server's sockets.</summary>
    private static int FindSocket(string text, ProxyIdentity identity)
    {
        string rest = text.Trim();
        TransportProtocol? protocol = null;
        int colon = rest.IndexOf(':');
        if (colon > 0 && rest[..colon] is "udp" or "tcp" or "tls" or "ws" or "wss" && !rest.StartsWith('['))
        {
            protocol = rest[..colon] switch
            {
                "udp" => TransportProtocol.Udp,
                "tcp" => TransportProtocol.Tcp,
                "tls" => TransportProtocol.Tls,
                "ws" => TransportProtocol.Ws,
                _ => TransportProtocol.Wss,
            };
            rest = rest[(colon + 1)..];
        }

        int port = 5060;
        string host = rest;
        int last = rest.LastIndexOf(':');
        bool bracketed = rest.StartsWith('[');
        if (last > 0 && (bracketed ? rest[last - 1] == ']' : rest.IndexOf(':') == last))
        {
            if (!int.TryParse(rest.AsSpan(last + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                throw new MiException(404, "Invalid local socket");
            }

            host = rest[..last];
        }

        if (!IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? ip))
        {
            throw new MiException(404, "Invalid local socket");
        }

        for (int i = 0; i < identity.SocketCount; i++)
        {
            NetAddress bound = identity.Bound(i);
            if (bound.Port == port && bound.ToIPEndPoint().Address.Equals(ip) && (protocol is null || identity.Protocol(i) == protocol))
            {
                return i;
            }
        }

        throw new MiException(404, "Local socket not found");
    }

    private static SipMethod MethodOf(string method) =>
        Enum.TryParse(method, ignoreCase: true, out SipMethod m) && m.ToString().ToUpperInvariant() == method ? m : SipMethod.Unknown;

    private static bool IsTokenChar(char c) => c < 0x7f && (char.IsAsciiLetterOrDigit(c) || "-.!%*_+`'~".Contains(c));

    private static string RandomHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes / 2));
}
