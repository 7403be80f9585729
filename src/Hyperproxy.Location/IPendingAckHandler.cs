namespace Hyperproxy.Location;

/// <summary>Receives the replies <see cref="PendingAcks{TMeta}.Release"/> finds committed.</summary>
public interface IPendingAckHandler<TMeta> where TMeta : unmanaged
{
    /// <summary>
    /// Takes one committed reply; false when it cannot take it now (e.g. the send batch is full):
    /// the reply stays parked, first in line, and the release stops.
    /// </summary>
    bool Release(ReadOnlySpan<byte> reply, in TMeta meta);
}
