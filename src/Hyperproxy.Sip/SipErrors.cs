namespace Hyperproxy.Sip;

/// <summary>Maps a <see cref="SipError"/> to the status code and reason phrase of the reply it deserves.</summary>
public static class SipErrors
{
    /// <summary>Status code for a reply to a request rejected with <paramref name="error"/> (400 unless said otherwise).</summary>
    public static int StatusCode(SipError error) => error switch
    {
        SipError.None => 200,
        SipError.VersionNotSupported => 505,
        SipError.TooManyHeaders => 513,
        SipError.EditsFull or SipError.EditArenaFull or SipError.EditsOverlap or SipError.EditOutOfRange => 500,
        _ => 400,
    };

    /// <summary>Reason phrase bytes (ASCII, no CRLF) suitable for the status line.</summary>
    public static ReadOnlySpan<byte> ReasonPhrase(SipError error) => error switch
    {
        SipError.None => "OK"u8,
        SipError.BufferOutOfRange => "Buffer out of range"u8,
        SipError.EmptyMessage => "Empty message"u8,
        SipError.Truncated => "Truncated message"u8,
        SipError.MissingEmptyLine => "Missing empty line after headers"u8,
        SipError.BadRequestLine => "Bad Request-Line"u8,
        SipError.BadMethod => "Bad method"u8,
        SipError.BadRequestUri => "Bad Request-URI"u8,
        SipError.BadStatusLine => "Bad Status-Line"u8,
        SipError.BadStatusCode => "Bad status code"u8,
        SipError.BadVersion => "Bad SIP version"u8,
        SipError.VersionNotSupported => "Version Not Supported"u8,
        SipError.HeaderWithoutColon => "Header without colon"u8,
        SipError.BadHeaderName => "Bad header name"u8,
        SipError.FoldingBeforeFirstHeader => "Continuation line before first header"u8,
        SipError.ControlCharacter => "Control character in header"u8,
        SipError.InvalidUtf8 => "Invalid UTF-8 in header"u8,
        SipError.TooManyHeaders => "Message Too Large"u8,
        SipError.DuplicateHeader => "Duplicate single-value header"u8,
        SipError.MissingVia => "Missing Via"u8,
        SipError.MissingFrom => "Missing From"u8,
        SipError.MissingTo => "Missing To"u8,
        SipError.MissingCallId => "Missing Call-ID"u8,
        SipError.MissingCSeq => "Missing CSeq"u8,
        SipError.BadCSeq => "Bad CSeq"u8,
        SipError.CSeqMethodMismatch => "CSeq method does not match"u8,
        SipError.BadCallId => "Bad Call-ID"u8,
        SipError.BadMaxForwards => "Bad Max-Forwards"u8,
        SipError.BadContentLength => "Bad Content-Length"u8,
        SipError.ContentLengthExceedsDatagram => "Content-Length exceeds datagram"u8,
        SipError.BadVia => "Bad Via"u8,
        SipError.BadFrom => "Bad From"u8,
        SipError.BadTo => "Bad To"u8,
        SipError.BadContact => "Bad Contact"u8,
        SipError.BadRoute => "Bad Route"u8,
        SipError.BadRecordRoute => "Bad Record-Route"u8,
        SipError.BadPath => "Bad Path"u8,
        SipError.BadNameAddr => "Bad name-addr"u8,
        SipError.BadUri => "Bad URI"u8,
        SipError.BadExpires => "Bad Expires"u8,
        SipError.BadContentType => "Bad Content-Type"u8,
        SipError.BadOptionTag => "Bad option tag"u8,
        SipError.BadAuthorization => "Bad Authorization"u8,
        SipError.HeaderNotFound => "Header not found"u8,
        SipError.EditsFull => "Too many edits"u8,
        SipError.EditArenaFull => "Edit arena full"u8,
        SipError.EditsOverlap => "Overlapping edits"u8,
        SipError.EditOutOfRange => "Edit out of range"u8,
        _ => "Bad Request"u8,
    };
}
