namespace Hyperproxy.Sip;

public sealed partial class SipMessage
{
    private const ulong MandatoryMask =
        (1UL << (int)HeaderId.Via) | (1UL << (int)HeaderId.From) | (1UL << (int)HeaderId.To) |
        (1UL << (int)HeaderId.CallId) | (1UL << (int)HeaderId.CSeq);

    private uint _cseqNumber;
    private SipMethod _cseqMethod;
    private TextRange _cseqMethodRange;
    private TextRange _callId;
    private int _maxForwards;
    private int _contentLength;
    private int _cseqIndex;
    private int _callIdIndex;
    private int _maxForwardsIndex;
    private int _contentLengthIndex;

    /// <summary>CSeq sequence number (validated at parse, &lt; 2^31).</summary>
    public uint CSeqNumber => _cseqNumber;

    /// <summary>CSeq method (for requests equal to the request method).</summary>
    public SipMethod CSeqMethod => _cseqMethod;

    public TextRange CSeqMethodRange => _cseqMethodRange;

    /// <summary>The Call-ID value (validated at parse: non-empty, no whitespace).</summary>
    public TextRange CallId => _callId;

    /// <summary>Max-Forwards value 0..255, or -1 when the header is absent.</summary>
    public int MaxForwards => _maxForwards;

    /// <summary>Index of the Max-Forwards header (the one <see cref="MaxForwards"/> was read from), or -1.</summary>
    public int MaxForwardsIndex => _maxForwardsIndex;

    /// <summary>Content-Length value, or -1 when the header is absent.</summary>
    public int ContentLength => _contentLength;

    /// <summary>True when a header with this id is present (O(1)).</summary>
    public bool Has(HeaderId id) => (_present & (1UL << (int)id)) != 0;

    private void ResetValues()
    {
        _cseqNumber = 0;
        _cseqMethod = SipMethod.Unknown;
        _cseqMethodRange = TextRange.None;
        _callId = TextRange.None;
        _maxForwards = -1;
        _contentLength = -1;
        _cseqIndex = -1;
        _callIdIndex = -1;
        _maxForwardsIndex = -1;
        _contentLengthIndex = -1;
    }

    private void RememberSingle(HeaderId id, int index)
    {
        switch (id)
        {
            case HeaderId.CSeq:
                _cseqIndex = index;
                break;
            case HeaderId.CallId:
                _callIdIndex = index;
                break;
            case HeaderId.MaxForwards:
                _maxForwardsIndex = index;
                break;
            case HeaderId.ContentLength:
                _contentLengthIndex = index;
                break;
        }
    }

    private SipError CheckMandatory(ReadOnlySpan<byte> s)
    {
        if ((_present & MandatoryMask) != MandatoryMask)
        {
            SipError missing = !Has(HeaderId.Via) ? SipError.MissingVia
                : !Has(HeaderId.From) ? SipError.MissingFrom
                : !Has(HeaderId.To) ? SipError.MissingTo
                : !Has(HeaderId.CallId) ? SipError.MissingCallId
                : SipError.MissingCSeq;
            return Fail(missing, HeadersEnd);
        }

        HeaderEntry[] headers = _headers;
        {
            ref readonly HeaderEntry h = ref headers[_cseqIndex];
            if (!ParseCSeq(s, h))
            {
                ErrorHeaderName = h.Name;
                return Fail(_cseqMethodRange.IsPresent ? SipError.CSeqMethodMismatch : SipError.BadCSeq, h.Value.Start);
            }
        }

        {
            ref readonly HeaderEntry h = ref headers[_callIdIndex];
            ReadOnlySpan<byte> callId = s.Slice(h.Value.Start, h.Value.Length);
            if (callId.IsEmpty || callId.IndexOfAny(SipText.Lws) >= 0)
            {
                ErrorHeaderName = h.Name;
                return Fail(SipError.BadCallId, h.Value.Start);
            }

            _callId = h.Value;
        }

        int maxForwardsIndex = _maxForwardsIndex;
        int contentLengthIndex = _contentLengthIndex;
        if (maxForwardsIndex >= 0)
        {
            ref readonly HeaderEntry h = ref headers[maxForwardsIndex];
            if (!SipText.TryParseUInt(s.Slice(h.Value.Start, h.Value.Length), 255, out uint mf))
            {
                ErrorHeaderName = h.Name;
                return Fail(SipError.BadMaxForwards, h.Value.Start);
            }

            _maxForwards = (int)mf;
        }

        if (contentLengthIndex >= 0)
        {
            ref readonly HeaderEntry h = ref headers[contentLengthIndex];
            if (!SipText.TryParseUInt(s.Slice(h.Value.Start, h.Value.Length), int.MaxValue, out uint cl))
            {
                ErrorHeaderName = h.Name;
                return Fail(SipError.BadContentLength, h.Value.Start);
            }

            if (cl > (uint)Body.Length)
            {
                ErrorHeaderName = h.Name;
                return Fail(SipError.ContentLengthExceedsDatagram, h.Value.Start);
            }

            _contentLength = (int)cl;
            Body = new TextRange(Body.Start, (int)cl);
        }

        return SipError.None;
    }

    /// <summary>CSeq = 1*DIGIT LWS Method; on method mismatch leaves _cseqMethodRange set so the caller can tell.</summary>
    private bool ParseCSeq(ReadOnlySpan<byte> s, in HeaderEntry h)
    {
        ReadOnlySpan<byte> v = s.Slice(h.Value.Start, h.Value.Length);
        int i = 0;
        while (i < v.Length && SipText.IsDigit(v[i]))
        {
            i++;
        }

        if (!SipText.TryParseUInt(v[..i], int.MaxValue, out uint number))
        {
            return false;
        }

        int m = SipText.SkipLws(v, i);
        if (m == i || m >= v.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> method = v[m..];
        if (method.ContainsAnyExcept(SipText.Token))
        {
            return false;
        }

        _cseqNumber = number;
        _cseqMethod = SipStrings.ParseMethod(method);
        if (IsRequest && !method.SequenceEqual(Span(MethodRange)))
        {
            _cseqMethodRange = new TextRange(h.Value.Start + m, method.Length);
            return false;
        }

        _cseqMethodRange = new TextRange(h.Value.Start + m, method.Length);
        return true;
    }
}
