using System.Buffers.Text;

namespace Hyperproxy.Location.Redis.Resp;

/// <summary>
/// RESP2 replies, parsed from a span without allocating: simple strings, errors, integers, bulk strings (null
/// included) and arrays (walked and skipped: the store's commands answer none, but a handshake command might).
/// </summary>
internal static class RespParser
{
    /// <summary>Longest line (type byte, text, CRLF) of a simple string, error or length header.</summary>
    public const int MaxLine = 64 * 1024;

    /// <summary>Largest bulk string taken (a record is at most 32 KB; Redis's own limit is 512 MB).</summary>
    public const int MaxBulk = 16 * 1024 * 1024;

    private const int MaxDepth = 8;

    public static RespParse Parse(ReadOnlySpan<byte> data, out RespType type, out long integer, out int start, out int length, out int consumed,
        out int needed) => Parse(data, 0, out type, out integer, out start, out length, out consumed, out needed);

    private static RespParse Parse(ReadOnlySpan<byte> data, int depth, out RespType type, out long integer, out int start, out int length,
        out int consumed, out int needed)
    {
        type = RespType.Null;
        integer = 0;
        start = 0;
        length = 0;
        consumed = 0;
        needed = 0;
        if (data.IsEmpty)
        {
            return RespParse.Incomplete;
        }

        int lineEnd = data.IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            return data.Length > MaxLine ? RespParse.Garbage : RespParse.Incomplete;
        }

        if (lineEnd < 2 || data[lineEnd - 1] != (byte)'\r')
        {
            return RespParse.Garbage;
        }

        ReadOnlySpan<byte> text = data[1..(lineEnd - 1)];
        switch (data[0])
        {
            case (byte)'+':
                type = RespType.Simple;
                start = 1;
                length = text.Length;
                consumed = lineEnd + 1;
                return RespParse.Complete;
            case (byte)'-':
                type = RespType.Error;
                start = 1;
                length = text.Length;
                consumed = lineEnd + 1;
                return RespParse.Complete;
            case (byte)':':
                if (!Utf8Parser.TryParse(text, out integer, out int used) || used != text.Length)
                {
                    return RespParse.Garbage;
                }

                type = RespType.Integer;
                consumed = lineEnd + 1;
                return RespParse.Complete;
            case (byte)'$':
                if (!Utf8Parser.TryParse(text, out long size, out int n) || n != text.Length || size < -1 || size > MaxBulk)
                {
                    return RespParse.Garbage;
                }

                if (size == -1)
                {
                    type = RespType.Null;
                    consumed = lineEnd + 1;
                    return RespParse.Complete;
                }

                int total = lineEnd + 1 + (int)size + 2;
                if (data.Length < total)
                {
                    needed = total;
                    return RespParse.Incomplete;
                }

                if (data[total - 2] != (byte)'\r' || data[total - 1] != (byte)'\n')
                {
                    return RespParse.Garbage;
                }

                type = RespType.Bulk;
                start = lineEnd + 1;
                length = (int)size;
                consumed = total;
                return RespParse.Complete;
            case (byte)'*':
                if (!Utf8Parser.TryParse(text, out long count, out int m) || m != text.Length || count < -1 || count > 1024 * 1024)
                {
                    return RespParse.Garbage;
                }

                if (count == -1)
                {
                    type = RespType.Null;
                    consumed = lineEnd + 1;
                    return RespParse.Complete;
                }

                int offset = lineEnd + 1;
                RespParse inner = SkipElements(data, ref offset, count, depth + 1, out needed);
                if (inner != RespParse.Complete)
                {
                    return inner;
                }

                type = RespType.Array;
                integer = count;
                consumed = offset;
                return RespParse.Complete;
            default:
                return RespParse.Garbage;
        }
    }

    private static RespParse SkipElements(ReadOnlySpan<byte> data, ref int offset, long count, int depth, out int needed)
    {
        needed = 0;
        if (depth > MaxDepth)
        {
            return RespParse.Garbage;
        }

        for (long i = 0; i < count; i++)
        {
            RespParse element = Parse(data[offset..], depth, out RespType type, out long inner, out _, out _, out int used, out int more);
            if (element != RespParse.Complete)
            {
                needed = more == 0 ? 0 : offset + more;
                return element;
            }

            offset += used;
            _ = type;
            _ = inner;
        }

        return RespParse.Complete;
    }
}
