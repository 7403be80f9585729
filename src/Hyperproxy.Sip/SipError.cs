namespace Hyperproxy.Sip;

/// <summary>Why a message (or a header value, or an edit) was rejected. One value per reason; see <see cref="SipErrors"/>.</summary>
public enum SipError : byte
{
    None = 0,

    // framing and start line
    BufferOutOfRange,
    EmptyMessage,
    Truncated,
    MissingEmptyLine,
    BadRequestLine,
    BadMethod,
    BadRequestUri,
    BadStatusLine,
    BadStatusCode,
    BadVersion,
    VersionNotSupported,

    // header section
    HeaderWithoutColon,
    BadHeaderName,
    FoldingBeforeFirstHeader,
    ControlCharacter,
    InvalidUtf8,
    TooManyHeaders,
    DuplicateHeader,

    // mandatory headers
    MissingVia,
    MissingFrom,
    MissingTo,
    MissingCallId,
    MissingCSeq,

    // header values
    BadCSeq,
    CSeqMethodMismatch,
    BadCallId,
    BadMaxForwards,
    BadContentLength,
    ContentLengthExceedsDatagram,
    BadVia,
    BadFrom,
    BadTo,
    BadContact,
    BadRoute,
    BadRecordRoute,
    BadPath,
    BadNameAddr,
    BadUri,
    BadExpires,
    BadContentType,
    BadOptionTag,
    BadAuthorization,
    HeaderNotFound,

    // edits and writers
    EditsFull,
    EditArenaFull,
    EditsOverlap,
    EditOutOfRange,
}
