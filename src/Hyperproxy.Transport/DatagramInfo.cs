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
}
