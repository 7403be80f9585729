namespace Hyperproxy.Transport;

/// <summary>
/// The batch I/O seam: "fill this batch with datagrams and their addresses" and "send these".
/// One instance per worker, owning that worker's sockets (index = listen address index).
/// recvmmsg/sendmmsg is one implementation, plain sockets another; AF_XDP can be a third.
/// Implementations never throw on the datagram path: errors are counted.
/// </summary>
public interface IBatchIo : IDisposable
{
    /// <summary>The sockets this instance reads and writes.</summary>
    int SocketCount { get; }

    /// <summary>
    /// Clears <paramref name="batch"/> and fills it with up to <see cref="DatagramBatch.Capacity"/>
    /// datagrams from any socket; waits up to <paramref name="timeoutMs"/> when none is ready.
    /// Returns the count (0 on timeout). Oversized datagrams are dropped and counted in
    /// <see cref="DatagramBatch.Truncated"/>.
    /// </summary>
    int Receive(DatagramBatch batch, int timeoutMs);

    /// <summary>
    /// Sends every datagram of <paramref name="outgoing"/> from its socket to its peer.
    /// Returns how many the kernel accepted; the rest are send errors.
    /// </summary>
    int Send(DatagramBatch outgoing);

    /// <summary>
    /// Adds <paramref name="fd"/> to what <see cref="Receive"/> waits on: a readable <paramref name="fd"/> ends the
    /// wait (the receive then returns what the sockets had, possibly nothing). Called once, on the worker's thread
    /// (before its loop starts, or from its handler: <see cref="IIoAwareHandler"/>). False when this I/O cannot (one is
    /// watched already, or it has no poll): the caller then never relies on it.
    /// </summary>
    bool TryWatch(int fd) => false;
}
