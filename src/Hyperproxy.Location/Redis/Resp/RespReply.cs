namespace Hyperproxy.Location.Redis.Resp;

/// <summary>One parsed reply: its type, its integer (Integer, or the element count of an Array) and its bytes
/// (Simple, Error, Bulk) as a span over the connection's receive buffer, valid only during the call it is given to.</summary>
internal readonly ref struct RespReply
{
    public RespReply(RespType type, long integer, ReadOnlySpan<byte> bytes)
    {
        Type = type;
        Integer = integer;
        Bytes = bytes;
    }

    public RespType Type { get; }

    public long Integer { get; }

    public ReadOnlySpan<byte> Bytes { get; }

    /// <summary>An error reply whose first word is <paramref name="code"/> (e.g. <c>NOSCRIPT</c>, <c>MOVED</c>).</summary>
    public bool IsError(ReadOnlySpan<byte> code) =>
        Type == RespType.Error && Bytes.StartsWith(code) && (Bytes.Length == code.Length || Bytes[code.Length] == (byte)' ');
}
