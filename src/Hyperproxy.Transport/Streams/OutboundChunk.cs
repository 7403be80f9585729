namespace Hyperproxy.Transport.Streams;

/// <summary>One queued message: a pooled buffer and how much of it to write.</summary>
internal readonly record struct OutboundChunk(byte[] Buffer, int Length);
