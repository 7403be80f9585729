using System.Runtime.InteropServices;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport;

/// <summary>What a batch knows about one datagram besides its bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct DatagramInfo
{
    /// <summary>The remote end: where it came from, or where it goes.</summary>
    public NetAddress Peer;

    /// <summary>Payload length in bytes.</summary>
    public int Length;

    /// <summary>
    /// Index of the worker's socket it arrived on / must leave from; equal to the index of the
    /// listen address in the transport options.
    /// </summary>
    public int SocketIndex;

    /// <summary>
    /// The stream connection (TCP/TLS) the message arrived on or must leave by; 0 for a datagram, and for an
    /// outgoing message to a stream socket that names no connection (the transport finds or opens one to <see cref="Peer"/>).
    /// </summary>
    public long ConnectionId;
}
