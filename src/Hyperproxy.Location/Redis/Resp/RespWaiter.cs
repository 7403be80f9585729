namespace Hyperproxy.Location.Redis.Resp;

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
