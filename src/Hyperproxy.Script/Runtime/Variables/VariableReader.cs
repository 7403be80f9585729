using System.Text;
using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Script.Runtime.Variables;

/// <summary>Reads one pseudo-variable, resolved at compile time (header ids, slots, indexes) — no lookups by name per message.</summary>
internal sealed class VariableReader : ValueNode
{
    private readonly VariableId _id;
    private readonly byte[] _name;
    private readonly HeaderId _header;
    private readonly PseudoVariableIndexKind _indexKind;
    private readonly int _index;
    private readonly int _slot;

    public VariableReader(VariableId id, byte[]? name = null, HeaderId header = HeaderId.Other,
        PseudoVariableIndexKind indexKind = PseudoVariableIndexKind.None, int index = 0, int slot = 0)
    {
        _id = id;
        _name = name ?? [];
        _header = header;
        _indexKind = indexKind;
        _index = index;
        _slot = slot;
    }

    public VariableId Id => _id;

    public override ScriptValue Evaluate(ScriptContext context)
    {
        SipMessage m = context.Message;
        switch (_id)
        {
            case VariableId.RequestUri: return context.RequestUriValue;
            case VariableId.RequestUser: return UriParts.User(context.RequestUriValue);
            case VariableId.RequestDomain: return UriParts.Host(context.RequestUriValue);
            case VariableId.RequestPort: return UriParts.Port(context, context.RequestUriValue, defaulted: true);
            case VariableId.RequestProto: return UriParts.Transport(context.RequestUriValue);
            case VariableId.OriginalUri: return m.IsRequest ? ScriptValue.FromMessage(m, m.RequestUri) : ScriptValue.Null;
            case VariableId.OriginalUser: return m.IsRequest ? UriParts.User(ScriptValue.FromMessage(m, m.RequestUri)) : ScriptValue.Null;
            case VariableId.OriginalDomain: return m.IsRequest ? UriParts.Host(ScriptValue.FromMessage(m, m.RequestUri)) : ScriptValue.Null;
            case VariableId.OriginalPort: return m.IsRequest ? UriParts.Port(context, ScriptValue.FromMessage(m, m.RequestUri), true) : ScriptValue.Null;
            case VariableId.DestinationUri: return context.DestinationValue;
            case VariableId.DestinationDomain: return context.HasDestination ? UriParts.Host(context.DestinationValue) : ScriptValue.Null;
            case VariableId.DestinationPort: return context.HasDestination ? UriParts.Port(context, context.DestinationValue, true) : ScriptValue.Null;
            case VariableId.DestinationProto: return context.HasDestination ? UriParts.Transport(context.DestinationValue) : ScriptValue.Null;
            case VariableId.Method: return ScriptValue.FromMessage(m, m.IsRequest ? m.MethodRange : m.CSeqMethodRange);
            case VariableId.Status:
                return m.IsRequest ? ScriptValue.Null : WithInt(ScriptValue.FromMessage(m, new TextRange(m.StartLine.Start + 8, 3)), m.StatusCode);
            case VariableId.Reason: return m.IsRequest ? ScriptValue.Null : ScriptValue.FromMessage(m, m.Reason);
            case VariableId.SourceIp: return FormatHost(context, context.Source);
            case VariableId.SourcePort: return ScriptValue.FromInt(context.Source.Port);
            case VariableId.ReceivedIp: return FormatHost(context, context.Host.SocketAddress(context.Socket));
            case VariableId.ReceivedPort: return ScriptValue.FromInt(context.Host.SocketAddress(context.Socket).Port);
            case VariableId.SocketIn or VariableId.SocketOut: return SocketField(context);
            case VariableId.ForcedSocket: return context.ForcedSocket < 0 ? ScriptValue.Null : SocketField(context);
            case VariableId.RouteParams: return context.RouteParamsValue;
            case VariableId.Proto: return ProtoOf(context, context.Socket, upper: false);
            case VariableId.AddressFamily: return context.Source.IsIPv6 ? Constants.Inet6 : Constants.Inet;
            case VariableId.FromUri: return NameAddrPart(context, HeaderId.From, 0);
            case VariableId.FromUser: return UriParts.User(NameAddrPart(context, HeaderId.From, 0));
            case VariableId.FromDomain: return UriParts.Host(NameAddrPart(context, HeaderId.From, 0));
            case VariableId.FromName: return NameAddrPart(context, HeaderId.From, 1);
            case VariableId.FromTag: return NameAddrPart(context, HeaderId.From, 2);
            case VariableId.ToUri: return NameAddrPart(context, HeaderId.To, 0);
            case VariableId.ToUser: return UriParts.User(NameAddrPart(context, HeaderId.To, 0));
            case VariableId.ToDomain: return UriParts.Host(NameAddrPart(context, HeaderId.To, 0));
            case VariableId.ToName: return NameAddrPart(context, HeaderId.To, 1);
            case VariableId.ToTag: return NameAddrPart(context, HeaderId.To, 2);
            case VariableId.CallId: return ScriptValue.FromMessage(m, m.CallId);
            case VariableId.CSeq: return CSeqNumber(m);
            case VariableId.ContentLength:
                return m.ContentLength < 0 ? ScriptValue.Null : WithInt(HeaderValueOf(m, HeaderId.ContentLength, 0), m.ContentLength);
            case VariableId.ContentType: return HeaderValueOf(m, HeaderId.ContentType, 0);
            case VariableId.UserAgent: return HeaderValueOf(m, HeaderId.UserAgent, 0);
            case VariableId.Header: return HeaderByName(context);
            case VariableId.HeaderCount: return ScriptValue.FromInt(CountHeaders(m));
            case VariableId.Contact: return HeaderValueOf(m, HeaderId.Contact, 0);
            case VariableId.ContactField: return ContactField(context);
            case VariableId.Body: return ScriptValue.FromMessage(m, m.Body);
            case VariableId.MessageBuffer: return ScriptValue.FromMessage(m, new TextRange(0, m.MessageLength));
            case VariableId.MessageLength: return ScriptValue.FromInt(m.MessageLength);
            case VariableId.MessageId: return ScriptValue.FromInt(context.MessageId);
            case VariableId.Var: return context.GetVar(_slot);
            case VariableId.RetCode: return ScriptValue.FromInt(context.RetCode);
            case VariableId.Param: return context.GetParam(_index);
            case VariableId.ReturnValue: return context.GetReturnValue(_index);
            case VariableId.TimeSeconds: return ScriptValue.FromInt((int)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            case VariableId.TimeMicros: return ScriptValue.FromInt((int)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % 1000 * 1000));
            case VariableId.StartTime: return ScriptValue.FromInt((int)Constants.StartSeconds);
            case VariableId.BranchFlags: return ScriptValue.FromInt((int)context.BranchFlags);
            case VariableId.MessageFlags: return ScriptValue.FromInt((int)context.Flags);
            case VariableId.Avp:
                return _indexKind == PseudoVariableIndexKind.Number ? context.GetAvp(_slot, _index)
                    : _indexKind == PseudoVariableIndexKind.None ? context.GetAvp(_slot, 0) : context.JoinAvps(_slot, s_comma);
            case VariableId.Time: return TimeFormat.Format(context, _name);
            case VariableId.Statistic:
                return context.Host.TryGetStatistic(_name, out long stat) ? ScriptValue.FromInt((int)Math.Clamp(stat, int.MinValue, int.MaxValue)) : ScriptValue.Null;
            case VariableId.PathVector: return context.PathVectorValue;
            case VariableId.AuthUser:
            case VariableId.AuthDomain:
            case VariableId.AuthWholeUser:
            case VariableId.AuthRealm:
            case VariableId.AuthUri:
            case VariableId.AuthNonce:
            case VariableId.AuthResponse:
            case VariableId.AuthOpaque:
            case VariableId.AuthAlgorithm:
            case VariableId.AuthQop:
            case VariableId.AuthNc:
            case VariableId.AuthCnonce: return AuthField(m, _id);
            case VariableId.TmReplyCode:
            case VariableId.TmReplyReason:
            case VariableId.TmBranchIndex:
            case VariableId.TmRequestUri:
            case VariableId.TmFrTimeout:
            case VariableId.TmFrInvTimeout: return TmValue(context, _id);
            case VariableId.ErrorClass:
            case VariableId.ErrorLevel:
            case VariableId.ErrorInfo:
            case VariableId.ErrorReplyCode:
            case VariableId.ErrorReplyReason: return context.ParseErrorValue(_id);
            default: return ScriptValue.Null;
        }
    }

    /// <summary>
    /// <c>$au</c>, <c>$ar</c>, <c>$adu</c> ... (OpenSIPS's auth variables): a field of the digest credentials —
    /// Authorization for REGISTER, Proxy-Authorization otherwise, each falling back to the other. <c>$au</c> is the
    /// username before '@', <c>$ad</c> after it (the realm when there is no '@'), <c>$aU</c> the whole username.
    /// </summary>
    private static ScriptValue AuthField(SipMessage m, VariableId id)
    {
        if (!m.IsRequest)
        {
            return ScriptValue.Null;
        }

        bool register = m.Method == SipMethod.Register;
        int h = m.FindHeader(register ? HeaderId.Authorization : HeaderId.ProxyAuthorization);
        if (h < 0)
        {
            h = m.FindHeader(register ? HeaderId.ProxyAuthorization : HeaderId.Authorization);
        }

        if (h < 0)
        {
            return ScriptValue.Null;
        }

        TextRange value = m.Header(h).Value;
        if (!DigestHeader.TryParse(m.Span(value), value.Start, out DigestHeader d) || !d.IsDigest)
        {
            return ScriptValue.Null;
        }

        TextRange user = d.Username;
        int at = user.IsPresent ? m.Span(user).IndexOf((byte)'@') : -1;
        TextRange r = id switch
        {
            VariableId.AuthUser => at < 0 ? user : new TextRange(user.Start, at),
            VariableId.AuthDomain => at < 0 ? d.Realm : new TextRange(user.Start + at + 1, user.Length - at - 1),
            VariableId.AuthWholeUser => user,
            VariableId.AuthRealm => d.Realm,
            VariableId.AuthUri => d.Uri,
            VariableId.AuthNonce => d.Nonce,
            VariableId.AuthResponse => d.Response,
            VariableId.AuthOpaque => d.Opaque,
            VariableId.AuthAlgorithm => d.Algorithm,
            VariableId.AuthQop => d.Qop,
            VariableId.AuthNc => d.Nc,
            _ => d.Cnonce,
        };
        return ScriptValue.FromMessage(m, r);
    }

    /// <summary>tm's <c>$T_*</c>: NULL without a transaction layer (or without a transaction in hand).</summary>
    private static ScriptValue TmValue(ScriptContext context, VariableId id)
    {
        if (context.Host is not ITmHost tm)
        {
            return ScriptValue.Null;
        }

        switch (id)
        {
            case VariableId.TmReplyCode:
            {
                int code = tm.TReplyCode(context);
                return code == 0 ? ScriptValue.Null : IntValue(context, code);
            }

            case VariableId.TmReplyReason:
            {
                ReadOnlySpan<byte> reason = tm.TReplyReason(context);
                return reason.IsEmpty ? ScriptValue.Null : context.Store(reason);
            }

            case VariableId.TmBranchIndex: return IntValue(context, tm.TBranchIndex(context));
            case VariableId.TmRequestUri:
            {
                ReadOnlySpan<byte> uri = tm.TRequestUri(context);
                return uri.IsEmpty ? ScriptValue.Null : context.Store(uri);
            }

            case VariableId.TmFrTimeout: return IntValue(context, tm.TTimeout(context, invite: false));
            default: return IntValue(context, tm.TTimeout(context, invite: true));
        }
    }

    private static ScriptValue IntValue(ScriptContext context, int value)
    {
        Span<byte> free = context.ArenaFree;
        if (free.Length < 11)
        {
            return ScriptValue.FromInt(value);
        }

        return context.CommitInt(value, ScriptText.WriteInt(value, free));
    }

    private static ScriptValue WithInt(in ScriptValue s, int value) =>
        s.IsNull ? ScriptValue.FromInt(value) : ScriptValue.FromBoth(value, s.Buffer!, s.Start, s.Length);

    private static ScriptValue FormatHost(ScriptContext context, in NetAddress address)
    {
        Span<byte> free = context.ArenaFree;
        if (free.Length < NetAddress.MaxFormattedLength || !address.TryFormatHost(free, out int n))
        {
            return ScriptValue.Null;
        }

        ScriptValue v = context.Commit(n);
        return n > 1 && v.Span[0] == (byte)'[' ? v.Slice(1, n - 2) : v;
    }

    /// <summary>The transport of a socket: <c>udp</c>/<c>tcp</c>/<c>tls</c>/<c>ws</c>/<c>wss</c> ($proto), upper case for <c>$socket_in(proto)</c>.</summary>
    private static ScriptValue ProtoOf(ScriptContext context, int socket, bool upper)
    {
        ReadOnlySpan<byte> name = context.Host.SocketTransport(socket);
        if (name.IsEmpty)
        {
            return upper ? Constants.UdpUpper : Constants.Udp;
        }

        if (Ascii.EqualsIgnoreCase(name, "tcp"u8))
        {
            return upper ? Constants.TcpUpper : Constants.Tcp;
        }

        if (Ascii.EqualsIgnoreCase(name, "ws"u8))
        {
            return upper ? Constants.WsUpper : Constants.Ws;
        }

        if (Ascii.EqualsIgnoreCase(name, "wss"u8))
        {
            return upper ? Constants.WssUpper : Constants.Wss;
        }

        return upper ? Constants.TlsUpper : Constants.Tls;
    }

    /// <summary><c>$socket_in</c> / <c>$socket_out</c> (proto:ip:port) and its fields: 0 whole, 1 ip, 2 port, 3 proto, 4 af, 5 advertised ip, 6 advertised port.</summary>
    private ScriptValue SocketField(ScriptContext context)
    {
        // $socket_out is the forced socket when one is forced, else (as $socket_in) the receiving one.
        int socket = _id is VariableId.SocketOut or VariableId.ForcedSocket && context.ForcedSocket >= 0 ? context.ForcedSocket : context.Socket;
        NetAddress a = context.Host.SocketAddress(socket);
        switch (_index)
        {
            case 1: return FormatHost(context, a);
            case 2: return ScriptValue.FromInt(a.Port);
            case 3: return ProtoOf(context, socket, upper: true);
            case 4: return a.IsIPv6 ? Constants.Inet6 : Constants.Inet;
            case 5: return context.Store(context.Host.AdvertisedHost(socket));
            case 6: return ScriptValue.FromInt(context.Host.AdvertisedPort(socket));
            case 0:
                Span<byte> free = context.ArenaFree;
                if (free.Length < 80 || !a.TryFormat(free[4..], out int n))
                {
                    return ScriptValue.Null;
                }

                ReadOnlySpan<byte> proto = context.Host.SocketTransport(socket);
                proto = proto.IsEmpty ? "udp"u8 : proto;
                // "proto:" then the address (written at free[4..]); a two-letter proto closes the gap.
                if (proto.Length == 2)
                {
                    free.Slice(4, n).CopyTo(free[3..]);
                    proto.CopyTo(free);
                    free[2] = (byte)':';
                    return context.Commit(3 + n);
                }

                free.Slice(4, n).CopyTo(free[(proto.Length + 1)..]);
                proto.CopyTo(free);
                free[proto.Length] = (byte)':';
                return context.Commit(proto.Length + 1 + n);
            default: return ScriptValue.Null;
        }
    }

    /// <summary>From/To: 0 URI, 1 display name (unquoted), 2 tag.</summary>
    private static ScriptValue NameAddrPart(ScriptContext context, HeaderId id, int part)
    {
        SipMessage m = context.Message;
        SipError e = id == HeaderId.From ? m.GetFrom(out NameAddr na) : m.GetTo(out na);
        if (e != SipError.None)
        {
            return ScriptValue.Null;
        }

        switch (part)
        {
            case 0: return ScriptValue.FromMessage(m, na.Uri);
            case 1:
                ScriptValue name = ScriptValue.FromMessage(m, na.DisplayName);
                if (name.Length >= 2 && name.Span[0] == (byte)'"' && name.Span[^1] == (byte)'"')
                {
                    name = name.Slice(1, name.Length - 2);
                }

                return name;
            default: return ScriptValue.FromMessage(m, na.Tag);
        }
    }

    private static ScriptValue CSeqNumber(SipMessage m)
    {
        ScriptValue v = HeaderValueOf(m, HeaderId.CSeq, 0);
        ReadOnlySpan<byte> s = v.Span;
        int i = 0;
        while (i < s.Length && SipText.IsDigit(s[i]))
        {
            i++;
        }

        return i == 0 ? ScriptValue.Null : ScriptValue.FromBoth((int)m.CSeqNumber, v.Buffer!, v.Start, i);
    }

    private static ScriptValue HeaderValueOf(SipMessage m, HeaderId id, int start)
    {
        int h = m.FindHeader(id, start);
        return h < 0 ? ScriptValue.Null : ScriptValue.FromMessage(m, m.Header(h).Value);
    }

    private int Find(SipMessage m, int start) =>
        _header != HeaderId.Other ? m.FindHeader(_header, start) : m.FindHeader(_name, start);

    private int CountHeaders(SipMessage m)
    {
        int n = 0;
        for (int h = Find(m, 0); h >= 0; h = Find(m, h + 1))
        {
            n++;
        }

        return n;
    }

    /// <summary><c>$hdr(Name)</c>, <c>$(hdr(Name)[N])</c>, <c>[-1]</c> last, <c>[*]</c> all lines joined with ", ".</summary>
    private ScriptValue HeaderByName(ScriptContext context)
    {
        SipMessage m = context.Message;
        switch (_indexKind)
        {
            case PseudoVariableIndexKind.None:
            {
                int h = Find(m, 0);
                return h < 0 ? ScriptValue.Null : ScriptValue.FromMessage(m, m.Header(h).Value);
            }

            case PseudoVariableIndexKind.Number:
                return HeaderAt(m, _index >= 0 ? _index : CountHeaders(m) + _index);

            default:
            {
                ScriptValue acc = ScriptValue.Null;
                for (int h = Find(m, 0); h >= 0; h = Find(m, h + 1))
                {
                    ScriptValue v = ScriptValue.FromMessage(m, m.Header(h).Value);
                    acc = acc.IsNull ? v : context.Concat(context.Concat(acc, s_comma), v);
                }

                return acc;
            }
        }
    }

    /// <summary>The <paramref name="wanted"/>-th line of the header (0 = first), or NULL.</summary>
    private ScriptValue HeaderAt(SipMessage m, int wanted)
    {
        if (wanted < 0)
        {
            return ScriptValue.Null;
        }

        int i = 0;
        for (int h = Find(m, 0); h >= 0; h = Find(m, h + 1), i++)
        {
            if (i == wanted)
            {
                return ScriptValue.FromMessage(m, m.Header(h).Value);
            }
        }

        return ScriptValue.Null;
    }

    /// <summary>
    /// Value <paramref name="index"/> (0, 1, ...) of an indexed variable, as <c>$(avp(x)[index])</c> or
    /// <c>$(hdr(Name)[index])</c> would read it; NULL past the last one (<c>for ... in</c>).
    /// </summary>
    public ScriptValue ValueAt(ScriptContext context, int index) => _id switch
    {
        VariableId.Avp => context.GetAvp(_slot, index),
        VariableId.Header => HeaderAt(context.Message, index),
        _ => index == 0 ? Evaluate(context) : ScriptValue.Null,
    };

    private static readonly ScriptValue s_comma = ScriptValue.FromBytes(", "u8.ToArray());

    /// <summary><c>$ct.fields(uri|name|q|expires|params)</c> of the first Contact: index 0 uri, 1 name, 2 q, 3 expires, 4 params.</summary>
    private ScriptValue ContactField(ScriptContext context)
    {
        SipMessage m = context.Message;
        foreach (HeaderValue hv in m.Values(HeaderId.Contact))
        {
            if (!NameAddr.TryParse(m.Span(hv.Value), hv.Value.Start, out NameAddr na))
            {
                return ScriptValue.Null;
            }

            return _index switch
            {
                0 => ScriptValue.FromMessage(m, na.Uri),
                1 => ScriptValue.FromMessage(m, na.DisplayName),
                2 => ScriptValue.FromMessage(m, na.Q),
                3 => ScriptValue.FromMessage(m, na.Expires),
                4 => ScriptValue.FromMessage(m, na.Params),
                _ => ScriptValue.Null,
            };
        }

        return ScriptValue.Null;
    }
}
