using Hyperproxy.Sip;

namespace Hyperproxy.Transport;

/// <summary>
/// An <see cref="IBatchIo"/> without sockets, for tests and benchmarks that drive the whole pipeline:
/// datagrams queued with <see cref="Enqueue"/> come out of <see cref="Receive"/> (as many as fit the
/// batch, the rest on the next call), and what <see cref="Send"/> is given is kept in <see cref="Sent"/>
/// until <see cref="ClearSent"/>. <see cref="Run"/> is one turn of a worker's loop on the caller's
/// thread. Buffers are made once; nothing allocates afterwards. One thread at a time.
/// </summary>
public sealed class InMemoryBatchIo : IBatchIo
{
    private readonly DatagramBatch _queued;
    private readonly DatagramBatch _sent;
    private readonly DatagramBatch _received;
    private readonly DatagramBatch _outgoing;
    private int _nextQueued;

    /// <param name="socketCount">How many sockets the handler may name (index 0..count-1).</param>
    /// <param name="capacity">Datagrams per batch; the queue and the capture hold four batches.</param>
    /// <param name="slotSize">Largest datagram.</param>
    public InMemoryBatchIo(int socketCount = 1, int capacity = DatagramBatch.DefaultCapacity, int slotSize = DatagramBatch.DefaultSlotSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(socketCount, 1);
        SocketCount = socketCount;
        _queued = new DatagramBatch(Math.Min(4 * capacity, 1024), slotSize);
        _sent = new DatagramBatch(Math.Min(4 * capacity, 1024), slotSize);
        _received = new DatagramBatch(capacity, slotSize);
        _outgoing = new DatagramBatch(capacity, slotSize);
    }

    public int SocketCount { get; }

    /// <summary>Datagrams queued and not yet received.</summary>
    public int Queued => _queued.Count - _nextQueued;

    /// <summary>What was sent since the last <see cref="ClearSent"/>: payloads, peers (destinations) and sockets.</summary>
    public DatagramBatch Sent => _sent;

    /// <summary>Datagrams sent over the lifetime of this instance.</summary>
    public long SentTotal { get; private set; }

    /// <summary>
    /// Queues a datagram as if it arrived from <paramref name="peer"/> on socket <paramref name="socket"/>;
    /// false when the queue is full or the datagram exceeds a slot.
    /// </summary>
    public bool Enqueue(ReadOnlySpan<byte> datagram, in NetAddress peer, int socket = 0)
    {
        if ((uint)socket >= (uint)SocketCount)
        {
            return false;
        }

        if (_nextQueued == _queued.Count)
        {
            _queued.Clear();
            _nextQueued = 0;
        }

        return _queued.TryAdd(datagram, peer, socket);
    }

    /// <summary>Forgets what was sent (call before each turn whose output is read).</summary>
    public void ClearSent() => _sent.Clear();

    public int Receive(DatagramBatch batch, int timeoutMs)
    {
        batch.Clear();
        if (batch.InviteShedThreshold != 0)
            batch.InviteShedUnsupported = true; // no socket filters here
        while (_nextQueued < _queued.Count && !batch.IsFull)
        {
            ref readonly DatagramInfo info = ref _queued.Info(_nextQueued);
            batch.TryAdd(_queued.Payload(_nextQueued), info.Peer, info.SocketIndex);
            _nextQueued++;
        }

        return batch.Count;
    }

    /// <summary>Keeps every datagram of <paramref name="outgoing"/>; those that do not fit the capture count as send errors.</summary>
    public int Send(DatagramBatch outgoing)
    {
        int accepted = 0;
        for (int i = 0; i < outgoing.Count; i++)
        {
            ref readonly DatagramInfo info = ref outgoing.Info(i);
            if ((uint)info.SocketIndex >= (uint)SocketCount || !_sent.TryAdd(outgoing.Payload(i), info.Peer, info.SocketIndex))
            {
                continue;
            }

            accepted++;
        }

        SentTotal += accepted;
        return accepted;
    }

    /// <summary>
    /// One turn of a worker's loop (as <see cref="Worker"/> runs it, without a thread or a wait): receive
    /// up to a batch of what is queued, hand it to <paramref name="handler"/>, send what it produced.
    /// Returns how many datagrams were sent.
    /// </summary>
    public int Run(IBatchHandler handler)
    {
        _outgoing.Clear();
        if (Receive(_received, 0) > 0)
        {
            handler.Handle(_received, _outgoing);
            if (handler is ICommitHandler { HasUncommitted: true } committer)
            {
                // What the commit releases beyond one batch waits for the next turn (replies stay in order).
                committer.Commit(_outgoing);
            }
        }
        else if (handler is IIdleHandler { HasPendingWork: true } idle)
        {
            idle.OnIdle(_outgoing);
        }

        if (handler is ITimerHandler timers && timers.MillisecondsUntilDue() == 0 && !_outgoing.IsFull)
        {
            timers.OnTimer(_outgoing);
        }

        return _outgoing.Count == 0 ? 0 : Send(_outgoing);
    }

    public void Dispose()
    {
    }
}
