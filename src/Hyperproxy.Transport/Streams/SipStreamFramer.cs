using System.Buffers;

namespace Hyperproxy.Transport.Streams;

/// <summary>
/// Cuts SIP messages out of a byte stream (RFC 3261 §18.3): the header section ends at the first empty line,
/// <c>Content-Length</c> (or its compact form <c>l</c>) says how many body bytes follow. CR/LF between messages
/// are skipped, except a CRLFCRLF, which is an RFC 5626 §3.5.1 ping. Pure and allocation-free: it only reads.
/// </summary>
public static class SipStreamFramer
{
    private static readonly SearchValues<byte> s_crlf = SearchValues.Create("\r\n"u8);

    /// <summary>
    /// Looks at the unread bytes of a stream. <paramref name="length"/> is the message length for
    /// <see cref="FrameResult.Message"/>, the bytes to drop for <see cref="FrameResult.Ping"/> (4) and
    /// <see cref="FrameResult.Skip"/>, and the header-section length (up to the empty line) for the two
    /// Content-Length errors.
    /// </summary>
    public static FrameResult Frame(ReadOnlySpan<byte> data, int maxHeaderBytes, int maxMessageBytes, out int length)
    {
        length = 0;
        if (data.IsEmpty)
            return FrameResult.NeedMore;
        if (data[0] is (byte)'\r' or (byte)'\n')
        {
            if (data.StartsWith("\r\n\r\n"u8))
            {
                length = 4;
                return FrameResult.Ping;
            }
            if (data.Length < 4 && "\r\n\r\n"u8.StartsWith(data))
                return FrameResult.NeedMore; // a ping may be arriving
            int run = data.IndexOfAnyExcept(s_crlf);
            // Skip a run of CR/LF but keep a CRLFCRLF inside it for the next call to see as a ping.
            int ping = data.IndexOf("\r\n\r\n"u8);
            length = ping > 0 && (run < 0 || ping < run) ? ping : run < 0 ? data.Length : run;
            return FrameResult.Skip;
        }

        int window = Math.Min(data.Length, maxHeaderBytes + 4);
        int end = data[..window].IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            // A bare-LF message is not SIP over a stream; wait for the limit.
            return data.Length >= maxHeaderBytes + 4 ? FrameResult.TooLarge : FrameResult.NeedMore;
        }

        int headerLength = end + 4;
        switch (FindContentLength(data[..headerLength], out long contentLength))
        {
            case 0:
                length = headerLength;
                return FrameResult.MissingContentLength;
            case < 0:
                length = headerLength;
                return FrameResult.BadContentLength;
        }

        long total = headerLength + contentLength;
        if (total > maxMessageBytes)
            return FrameResult.TooLarge;
        if (data.Length < total)
            return FrameResult.NeedMore;
        length = (int)total;
        return FrameResult.Message;
    }

    /// <summary>
    /// 1 with the value when the header section has a Content-Length (long or compact name, any case, the first one
    /// wins), 0 when it has none, -1 when its value is not a number.
    /// </summary>
    public static int FindContentLength(ReadOnlySpan<byte> headers, out long value)
    {
        value = 0;
        int lineStart = headers.IndexOf((byte)'\n') + 1; // past the start line
        while (lineStart > 0 && lineStart < headers.Length)
        {
            ReadOnlySpan<byte> rest = headers[lineStart..];
            int lineEnd = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = lineEnd < 0 ? rest : rest[..lineEnd];
            if (line.Length > 0 && line[^1] == (byte)'\r')
                line = line[..^1];
            int colon = line.IndexOf((byte)':');
            if (colon > 0)
            {
                ReadOnlySpan<byte> name = line[..colon].TrimEnd((byte)' ').TrimEnd((byte)'\t');
                if (System.Text.Ascii.EqualsIgnoreCase(name, "Content-Length"u8) || System.Text.Ascii.EqualsIgnoreCase(name, "l"u8))
                {
                    ReadOnlySpan<byte> digits = line[(colon + 1)..].Trim((byte)' ').Trim((byte)'\t');
                    if (digits.IsEmpty || digits.Length > 9 || digits.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
                        return -1;
                    foreach (byte b in digits)
                        value = value * 10 + (b - '0');
                    return 1;
                }
            }
            if (lineEnd < 0)
                break;
            lineStart += lineEnd + 1;
        }
        return 0;
    }
}
