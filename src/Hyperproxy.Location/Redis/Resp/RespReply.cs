namespace Hyperproxy.Location.Redis.Resp;

/// <summary>The RESP2 reply types the store meets.</summary>
internal enum RespType : byte
{
    Simple,
    Error,
    Integer,
    Bulk,
    Null,
    Array,
}

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

/// <summary>
/// Whoever waits for replies on a <see cref="RespConnection"/>: each command sent names its waiter and a kind
/// (what the command was, for the waiter), and the waiter gets exactly one call per command, in the order sent —
/// <see cref="OnReply"/> with the answer, or <see cref="OnFailed"/> when the connection was lost (or closed for a
/// timeout or a garbled reply) before it came. Called on the connection's owner thread.
/// </summary>
internal abstract class RespWaiter
{
    public abstract void OnReply(int kind, in RespReply reply);

    public abstract void OnFailed(int kind);
}
