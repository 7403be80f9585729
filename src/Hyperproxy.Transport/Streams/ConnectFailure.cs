using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Streams;

/// <summary>An outgoing connection that failed before it carried anything: the listener socket it left from, its peer, its id.</summary>
public readonly record struct ConnectFailure(int SocketIndex, NetAddress Peer, long ConnectionId);
