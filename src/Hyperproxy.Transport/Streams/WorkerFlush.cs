namespace Hyperproxy.Transport.Streams;

/// <summary>
/// The connections one worker's outgoing batch queued messages on, written by the worker once the whole batch is
/// queued (<see cref="StreamConnection.FlushFromWorker"/>): each connection once per batch, from one gather buffer the
/// worker owns. No allocation after construction.
/// </summary>
internal sealed class WorkerFlush
{
    /// <summary>Stamps of different workers never meet (fewer workers than this).</summary>
    private const long StampStride = 1 << 16;

    private readonly StreamConnection?[] _pending;
    private readonly byte[] _gather = new byte[StreamConnection.GatherBytes];
    private int _count;
    private long _stamp;

    public WorkerFlush(int worker, int capacity)
    {
        _pending = new StreamConnection?[capacity];
        _stamp = worker + 1;
    }

    /// <summary>Lists <paramref name="connection"/> for this batch's flush (once); false when the list is full (the caller starts its writer).</summary>
    public bool TryAdd(StreamConnection connection)
    {
        if (connection.FlushStamp == _stamp)
            return true;
        if (_count == _pending.Length)
            return false;
        connection.FlushStamp = _stamp;
        _pending[_count++] = connection;
        return true;
    }

    /// <summary>Writes every listed connection and starts a new batch.</summary>
    public void Flush()
    {
        if (_count == 0)
            return;
        for (int i = 0; i < _count; i++)
        {
            _pending[i]!.FlushFromWorker(_gather);
            _pending[i] = null;
        }
        _count = 0;
        _stamp += StampStride;
    }
}
