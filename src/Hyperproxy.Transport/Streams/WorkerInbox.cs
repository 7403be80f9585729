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

    public bool IsEmpty => _queue.IsEmpty;

    /// <summary>How the worker is woken when it sleeps (signalled by the readers once per read).</summary>
    public WorkerWake Wake { get; } = new();

    /// <summary>True when the worker's wait includes <see cref="Wake"/> (false: it polls, and signalling is skipped).</summary>
    public bool Wakeable { get; set; }

    /// <summary>Queues one message; the reader calls <see cref="WorkerWake.Signal"/> once after a read's messages.</summary>
    public void Enqueue(in InboundMessage message) => _queue.Enqueue(message);

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

    /// <summary>Returns every queued buffer (at stop).</summary>
    public void Clear()
    {
        while (_queue.TryDequeue(out InboundMessage m))
            StreamBuffers.Pool.Return(m.Buffer);
    }
}
