using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip.Edits;

/// <summary>
/// Builds a stateless response to a request (sl_send_reply, the proxy's own 400s), laid out like OpenSIPS:
/// <code>
/// SIP/2.0 code reason
/// every Via header line of the request, in order, copied whole (with the request's edits applied inside them)
/// Record-Route lines (only for 180..299)
/// To (";tag=toTag" appended when the To has no tag and toTag is not empty), From, Call-ID, CSeq (copied whole)
/// extraHeaders (raw "Name: value\r\n" lines)
/// Content-Length: 0
/// </code>
/// </summary>
public static class SipResponseWriter
{
    /// <summary>Writes the response; returns bytes written or -1 when the destination is too small.</summary>
    public static int Write(SipMessage request, int statusCode, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> toTag,
        ReadOnlySpan<byte> extraHeaders, Span<byte> destination) =>
        Write(request, null, statusCode, reason, toTag, extraHeaders, destination);

    /// <summary>
    /// Same, but the Via lines are copied through <paramref name="requestEdits"/>: an edit recorded on the request
    /// inside a Via line (e.g. <c>;received=1.2.3.4</c> inserted after the top Via sent-by, or an rport value replaced)
    /// shows in the response. Inserts exactly at the start of a Via line (a Via added by this proxy) are not copied.
    /// </summary>
    public static int Write(SipMessage request, SipEdits? requestEdits, int statusCode, ReadOnlySpan<byte> reason,
        ReadOnlySpan<byte> toTag, ReadOnlySpan<byte> extraHeaders, Span<byte> destination)
    {
        if (statusCode < 100 || statusCode > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode));
        }

        int o = 0;
        if (!Put("SIP/2.0 "u8, destination, ref o))
        {
            return -1;
        }

        if (destination.Length - o < 4)
        {
            return -1;
        }

        destination[o++] = (byte)('0' + (statusCode / 100));
        destination[o++] = (byte)('0' + (statusCode / 10 % 10));
        destination[o++] = (byte)('0' + (statusCode % 10));
        destination[o++] = (byte)' ';
        if (!Put(reason, destination, ref o) || !Put("\r\n"u8, destination, ref o))
        {
            return -1;
        }

        int count = request.HeaderCount;
        for (int i = 0; i < count; i++)
        {
            ref readonly HeaderEntry h = ref request.Header(i);
            if (h.Id == HeaderId.Via && !SipWriter.CopyRange(request, requestEdits, h.Line.Start, h.Line.End, destination, ref o))
            {
                return -1;
            }
        }

        bool copyRecordRoute = statusCode >= 180 && statusCode <= 299;
        for (int i = 0; copyRecordRoute && i < count; i++)
        {
            ref readonly HeaderEntry h = ref request.Header(i);
            if (h.Id == HeaderId.RecordRoute && !Put(request.Span(h.Line), destination, ref o))
            {
                return -1;
            }
        }

        int to = request.FindHeader(HeaderId.To);
        if (to >= 0)
        {
            ref readonly HeaderEntry h = ref request.Header(to);
            bool addTag = !toTag.IsEmpty && request.GetTo(out NameAddr na) == SipError.None && !na.Tag.IsPresent;
            if (addTag)
            {
                if (!Put(request.Span(TextRange.FromBounds(h.Line.Start, h.Value.End)), destination, ref o)
                    || !Put(";tag="u8, destination, ref o) || !Put(toTag, destination, ref o) || !Put("\r\n"u8, destination, ref o))
                {
                    return -1;
                }
            }
            else if (!Put(request.Span(h.Line), destination, ref o))
            {
                return -1;
            }
        }

        if (!CopyFirst(request, HeaderId.From, destination, ref o) || !CopyFirst(request, HeaderId.CallId, destination, ref o)
            || !CopyFirst(request, HeaderId.CSeq, destination, ref o) || !Put(extraHeaders, destination, ref o)
            || !Put("Content-Length: 0\r\n\r\n"u8, destination, ref o))
        {
            return -1;
        }

        return o;
    }

    private static bool CopyFirst(SipMessage request, HeaderId id, Span<byte> destination, ref int o)
    {
        int i = request.FindHeader(id);
        return i < 0 || Put(request.Span(request.Header(i).Line), destination, ref o);
    }

    private static bool Put(ReadOnlySpan<byte> bytes, Span<byte> destination, ref int o)
    {
        if (bytes.Length > destination.Length - o)
        {
            return false;
        }

        bytes.CopyTo(destination[o..]);
        o += bytes.Length;
        return true;
    }
}
