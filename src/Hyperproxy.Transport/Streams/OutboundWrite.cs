namespace Hyperproxy.Transport.Streams;

/// <summary>What <see cref="OutboundQueue.TryWrite"/> did.</summary>
internal enum OutboundWrite : byte
{
    Queued,
    Full,
    Completed,
}
