namespace Hyperproxy.Transport;

/// <summary>
/// Optional for an <see cref="IBatchHandler"/> that may later want a descriptor of its own in the worker's poll set
/// (<see cref="IBatchIo.TryWatch"/>): a location store's connection whose answers should wake the worker at once.
/// The worker hands over its I/O once, on its own thread, before its loop starts; the handler calls
/// <see cref="IBatchIo.TryWatch"/> from the worker's thread only.
/// </summary>
public interface IIoAwareHandler
{
    void AttachIo(IBatchIo io);
}
