namespace Hyperproxy.Transport;

/// <summary>
/// What a worker does with a received batch: called once per batch on the worker's thread, it
/// reads <paramref name="received"/> and appends replies / forwards to <paramref name="outgoing"/>
/// (already empty), each naming its socket index and destination. The worker sends
/// <paramref name="outgoing"/> right after, one sendmmsg per socket. One instance per worker.
/// An exception drops the batch and is counted; it never kills the worker.
/// </summary>
public interface IBatchHandler
{
    void Handle(DatagramBatch received, DatagramBatch outgoing);
}
