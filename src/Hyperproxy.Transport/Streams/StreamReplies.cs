using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;

namespace Hyperproxy.Transport.Streams;

/// <summary>
/// The transport's own answer to a stream message it cannot frame (RFC 3261 §18.3: no or a bad Content-Length):
/// a 400 built from the request's header section, sent on the connection just before it closes. Cold path.
/// </summary>
internal static class StreamReplies
{
    /// <summary>Writes <c>400 reason</c> for the request whose header section is <paramref name="headers"/>; 0 when it is no
    /// request that can be answered (a response, an ACK, no Via), -1 when <paramref name="destination"/> is too small.</summary>
    public static int WriteBadRequest(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> reason, Span<byte> destination)
    {
        byte[] copy = headers.ToArray();
        var message = new SipMessage();
        if (message.Parse(copy, 0, copy.Length) != SipError.None || !message.IsRequest || message.Method == SipMethod.Ack
            || !message.Has(HeaderId.Via))
        {
            return 0;
        }

        return SipResponseWriter.Write(message, 400, reason, default, "Server: Hyperproxy\r\n"u8, destination);
    }
}
