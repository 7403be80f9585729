namespace Hyperproxy.Transport.Streams;

/// <summary>What <see cref="SipStreamFramer.Frame"/> found at the start of a stream's unread bytes.</summary>
public enum FrameResult : byte
{
    /// <summary>Not enough bytes yet to tell.</summary>
    NeedMore,

    /// <summary>A complete SIP message of <c>length</c> bytes (headers, empty line, Content-Length bytes of body).</summary>
    Message,

    /// <summary>An RFC 5626 §3.5.1 keep-alive ping (CRLFCRLF) between messages: answer with a CRLF pong.</summary>
    Ping,

    /// <summary>CR or LF bytes between messages (<c>length</c> of them): skipped.</summary>
    Skip,

    /// <summary>The header section has no Content-Length (RFC 3261 §18.3: a stream MUST carry one): 400, then close.</summary>
    MissingContentLength,

    /// <summary>The Content-Length value is not a number: 400, then close.</summary>
    BadContentLength,

    /// <summary>The header section or the whole message is larger than the limit: close.</summary>
    TooLarge,
}
