using System.Runtime.CompilerServices;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip;

public sealed partial class SipMessage
{
    private const int CachedVia = 1;
    private const int CachedFrom = 2;
    private const int CachedTo = 4;

    private int _cached;
    private SipError _viaError;
    private SipError _fromError;
    private SipError _toError;
    private ViaHeader _topVia;
    private NameAddr _from;
    private NameAddr _to;

    /// <summary>The first via-parm of the first Via header, parsed once per message and cached.</summary>
    public SipError GetTopVia(out ViaHeader via)
    {
        SipError e = TopViaError();
        via = _topVia;
        return e;
    }

    /// <summary>The From header as a name-addr, parsed once per message and cached.</summary>
    public SipError GetFrom(out NameAddr from)
    {
        SipError e = FromError();
        from = _from;
        return e;
    }

    /// <summary>The To header as a name-addr, parsed once per message and cached.</summary>
    public SipError GetTo(out NameAddr to)
    {
        SipError e = ToError();
        to = _to;
        return e;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private SipError TopViaError() => (_cached & CachedVia) != 0 ? _viaError : ParseTopVia();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private SipError FromError() => (_cached & CachedFrom) != 0 ? _fromError : ParseFrom();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private SipError ToError() => (_cached & CachedTo) != 0 ? _toError : ParseTo();

    private SipError ParseTopVia()
    {
        _cached |= CachedVia;
        int first = FindHeader(HeaderId.Via);
        if (first >= 0)
        {
            TextRange v = _headers[first].Value;
            if (v.Length > 0 && ViaHeader.TryParseElement(Bytes[..v.End], v.Start, out _topVia) >= 0)
            {
                // The usual spelling, parsed where it stands up to the comma that ends it.
                _viaError = SipError.None;
                return SipError.None;
            }
        }

        SipError error = SipError.BadVia;
        var e = Values(HeaderId.Via);
        if (!e.MoveNext())
        {
            error = Has(HeaderId.Via) ? SipError.BadVia : SipError.MissingVia;
        }
        else if (ViaHeader.TryParse(Span(e.Current.Value), e.Current.Value.Start, out _topVia))
        {
            error = SipError.None;
        }

        _viaError = error;
        return error;
    }

    private SipError ParseFrom()
    {
        _cached |= CachedFrom;
        return _fromError = ParseNameAddr(HeaderId.From, SipError.MissingFrom, SipError.BadFrom, out _from);
    }

    private SipError ParseTo()
    {
        _cached |= CachedTo;
        return _toError = ParseNameAddr(HeaderId.To, SipError.MissingTo, SipError.BadTo, out _to);
    }

    /// <summary>Top Via branch (None when absent or the Via is malformed).</summary>
    public TextRange TopViaBranch => TopViaError() == SipError.None ? _topVia.Branch : TextRange.None;

    /// <summary>From tag (None when absent or From is malformed).</summary>
    public TextRange FromTag => FromError() == SipError.None ? _from.Tag : TextRange.None;

    /// <summary>To tag (None when absent or To is malformed).</summary>
    public TextRange ToTag => ToError() == SipError.None ? _to.Tag : TextRange.None;

    /// <summary>
    /// Parses the typed headers a proxy relies on beyond the index (top Via, From, To, every Contact, Route,
    /// Record-Route and Path element). Use it where a malformed header must become a 400 before routing
    /// (RFC 4475 badinv01, quotbal, baddn, badaspec, regbadct). Sets <see cref="ErrorOffset"/> / <see cref="ErrorHeaderName"/>.
    /// </summary>
    public SipError Validate()
    {
        if (Error != SipError.None)
        {
            return Error;
        }

        SipError e = GetTopVia(out _);
        if (e == SipError.None)
        {
            e = GetFrom(out _);
        }

        if (e == SipError.None)
        {
            e = GetTo(out _);
        }

        if (e != SipError.None)
        {
            return Fail(e, ErrorOffsetFor(e));
        }

        e = ValidateList(HeaderId.Contact, SipError.BadContact);
        if (e == SipError.None)
        {
            e = ValidateList(HeaderId.Route, SipError.BadRoute);
        }

        if (e == SipError.None)
        {
            e = ValidateList(HeaderId.RecordRoute, SipError.BadRecordRoute);
        }

        if (e == SipError.None)
        {
            e = ValidateList(HeaderId.Path, SipError.BadPath);
        }

        return e;
    }

    private int ErrorOffsetFor(SipError e)
    {
        HeaderId id = e switch
        {
            SipError.BadVia => HeaderId.Via,
            SipError.BadFrom => HeaderId.From,
            _ => HeaderId.To,
        };
        int i = FindHeader(id);
        if (i < 0)
        {
            return HeadersEnd;
        }

        ErrorHeaderName = _headers[i].Name;
        return _headers[i].Value.Start;
    }

    private SipError ParseNameAddr(HeaderId id, SipError missing, SipError bad, out NameAddr na)
    {
        int i = FindHeader(id);
        if (i < 0)
        {
            na = default;
            return missing;
        }

        TextRange v = _headers[i].Value;
        if (v.Length > 0 && NameAddr.TryParseElement(Bytes[..v.End], v.Start, out na) == v.End)
        {
            // The usual spelling, parsed where it stands (never '*').
            return SipError.None;
        }

        return NameAddr.TryParse(Span(v), v.Start, out na) && !na.IsStar ? SipError.None : bad;
    }
}
