using System.Buffers;
using System.Collections.Concurrent;

namespace Hyperproxy.Transport.Streams;

/// <summary>
/// The messages the connection readers cut for one worker. Readers enqueue (any thread); only the worker drains,
/// copying each message into a slot of its receive batch, the same slots datagrams land in.
/// </summary>
internal sealed class WorkerInbox
{
    private readonly ConcurrentQueue<InboundMessage> _queue = new();
    private readonly ManualResetEventSlim _signal = new(false);

    public bool IsEmpty => _queue.IsEmpty;

    public void Enqueue(in InboundMessage message)
    {
        _queue.Enqueue(message);
        _signal.Set();
    }

    /// <summary>Appends queued messages to <paramref name="batch"/> while it has room; returns how many.</summary>
    public int Drain(DatagramBatch batch)
    {
        int added = 0;
        while (!batch.IsFull && _queue.TryDequeue(out InboundMessage m))
        {
            if (m.Length <= batch.SlotSize && batch.TryGetFreeSlot(out Span<byte> slot))
            {
                m.Buffer.AsSpan(0, m.Length).CopyTo(slot);
                batch.Commit(m.Length, m.Peer, m.SocketIndex, m.ConnectionId);
                added++;
            }
            else
            {
                batch.Truncated++;
            }
            StreamBuffers.Pool.Return(m.Buffer);
        }
        return added;
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for a message (for a worker with no UDP socket to poll).</summary>
    public void Wait(int timeoutMs)
    {
        if (!_queue.IsEmpty)
            return;
        _signal.Reset();
        if (!_queue.IsEmpty)
            return;
        _signal.Wait(timeoutMs);
    }

    /// <summary>Returns every queued buffer (at stop).</summary>
    public void Clear()
    {
        while (_queue.TryDequeue(out InboundMessage m))
            StreamBuffers.Pool.Return(m.Buffer);
    }
}
