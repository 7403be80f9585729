namespace Hyperproxy.Location;

/// <summary>Receives the replies <see cref="PendingAcks{TMeta}.Release"/> finds committed.</summary>
public interface IPendingAckHandler<TMeta> where TMeta : unmanaged
{
    void Release(ReadOnlySpan<byte> reply, in TMeta meta);
}
