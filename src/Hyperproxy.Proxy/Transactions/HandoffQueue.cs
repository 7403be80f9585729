using Hyperproxy.Sip;

namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// A bounded single-producer single-consumer ring of datagrams from one worker to another (a reply the kernel
/// gave to a worker that does not own its transaction). The producer copies the bytes, the source and the
/// socket into the next slot and publishes it with a release write of the tail; the consumer reads up to the
/// tail and releases slots with a write of the head. No locks, no allocation after construction. A full ring
/// or a datagram larger than a slot is refused (the caller counts a drop; the sender retransmits).
/// </summary>
public sealed class HandoffQueue
{
    public const int Slots = 64;
    public const int SlotSize = 8192;

    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(Slots * SlotSize);
    private readonly int[] _lengths = new int[Slots];
    private readonly NetAddress[] _sources = new NetAddress[Slots];
    private readonly int[] _sockets = new int[Slots];
    private long _head; // consumer
    private long _tail; // producer

    /// <summary>Producer side: false when the ring is full or the datagram does not fit a slot.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> datagram, in NetAddress source, int socket)
    {
        long tail = _tail;
        if (datagram.Length > SlotSize || tail - Volatile.Read(ref _head) >= Slots)
        {
            return false;
        }

        int i = (int)(tail & (Slots - 1));
        datagram.CopyTo(_buffer.AsSpan(i * SlotSize, SlotSize));
        _lengths[i] = datagram.Length;
        _sources[i] = source;
        _sockets[i] = socket;
        Volatile.Write(ref _tail, tail + 1);
        return true;
    }

    /// <summary>Consumer side: true when something waits.</summary>
    public bool HasItems => Volatile.Read(ref _tail) != _head;

    /// <summary>Consumer side: the oldest datagram (valid until <see cref="Release"/>); false when empty.</summary>
    public bool TryPeek(out byte[] buffer, out int offset, out int length, out NetAddress source, out int socket)
    {
        long head = _head;
        if (Volatile.Read(ref _tail) == head)
        {
            buffer = _buffer;
            offset = length = socket = 0;
            source = default;
            return false;
        }

        int i = (int)(head & (Slots - 1));
        buffer = _buffer;
        offset = i * SlotSize;
        length = _lengths[i];
        source = _sources[i];
        socket = _sockets[i];
        return true;
    }

    /// <summary>Consumer side: frees the slot read by <see cref="TryPeek"/>.</summary>
    public void Release() => Volatile.Write(ref _head, _head + 1);
}
