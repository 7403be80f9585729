using Hyperproxy.Sip;

namespace Hyperproxy.Proxy;

/// <summary>
/// Requests a worker holds while a module's network read is on its way (<see cref="Script.Runtime.ScriptContext.Suspend"/>):
/// a FIFO of fixed slots, each a copy of the datagram with where it came from and when it was parked.
/// Fixed capacity, allocated once; single-threaded (one per worker).
/// </summary>
internal sealed class ParkedRequests
{
    private readonly byte[] _bytes;
    private readonly Slot[] _slots;
    private readonly int _slotBytes;
    private int _head;
    private int _count;
    private long _nextSequence;

    private struct Slot
    {
        public int Length;
        public NetAddress Source;
        public int Socket;
        public long Connection;
        public long ParkedAt;
        public long Sequence;
    }

    public ParkedRequests(int capacity, int slotBytes)
    {
        _slots = new Slot[capacity];
        _slotBytes = slotBytes;
        _bytes = GC.AllocateUninitializedArray<byte>(capacity * slotBytes, pinned: true);
    }

    public int Count => _count;

    /// <summary>The number the next request parked (or parked again) gets: they rise in parking order.</summary>
    public long NextSequence => _nextSequence;

    /// <summary>The number of the oldest parked request; <see cref="NextSequence"/> when none is parked.</summary>
    public long HeadSequence => _count == 0 ? _nextSequence : _slots[_head].Sequence;

    /// <summary>When the oldest parked request was parked (<see cref="System.Diagnostics.Stopwatch"/> ticks); 0 when none.</summary>
    public long OldestParkedAt => _count == 0 ? 0 : _slots[_head].ParkedAt;

    /// <summary>Copies the request in; false when full or larger than a slot.</summary>
    public bool TryPark(ReadOnlySpan<byte> datagram, in NetAddress source, int socket, long connection, long parkedAt)
    {
        if (_count == _slots.Length || datagram.Length > _slotBytes)
        {
            return false;
        }

        int index = (_head + _count) % _slots.Length;
        datagram.CopyTo(_bytes.AsSpan(index * _slotBytes));
        _slots[index] = new Slot
        {
            Length = datagram.Length, Source = source, Socket = socket, Connection = connection, ParkedAt = parkedAt, Sequence = _nextSequence++,
        };
        _count++;
        return true;
    }

    /// <summary>Takes the oldest request out, copied into <paramref name="destination"/> (at least one slot long).</summary>
    public int Take(byte[] destination, out NetAddress source, out int socket, out long connection, out long parkedAt)
    {
        ref Slot slot = ref _slots[_head];
        _bytes.AsSpan(_head * _slotBytes, slot.Length).CopyTo(destination);
        source = slot.Source;
        socket = slot.Socket;
        connection = slot.Connection;
        parkedAt = slot.ParkedAt;
        int length = slot.Length;
        _head = (_head + 1) % _slots.Length;
        _count--;
        return length;
    }
}
