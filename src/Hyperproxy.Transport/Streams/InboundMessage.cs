using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Streams;

/// <summary>A complete SIP message cut from a stream, waiting for its connection's worker (the bytes are rented from the shared pool).</summary>
internal readonly record struct InboundMessage(byte[] Buffer, int Length, long ConnectionId, NetAddress Peer, int SocketIndex);
