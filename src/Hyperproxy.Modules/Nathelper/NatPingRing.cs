using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Nathelper;

/// <summary>
/// The pings for one worker: a single-producer (the pinger thread) single-consumer (the worker) ring of
/// ready-made datagrams with their destination and socket. The pinger formats everything; the worker only
/// copies bytes into its send batch. Full means the pinger waits (it never drops and never blocks a worker).
/// </summary>
public sealed class NatPingRing
{
    public const int SlotSize = 1024;

    private readonly byte[] _bytes;
    private readonly int[] _lengths;
    private readonly int[] _sockets;
    private readonly NetAddress[] _destinations;
    private readonly int _mask;
    private long _head; // next to read (worker)
    private long _tail; // next to write (pinger)

    public NatPingRing(int capacity = 4096)
    {
        int size = 1;
        while (size < capacity)
        {
            size <<= 1;
        }

        _bytes = new byte[size * SlotSize];
        _lengths = new int[size];
        _sockets = new int[size];
        _destinations = new NetAddress[size];
        _mask = size - 1;
    }

    public int Capacity => _mask + 1;

    /// <summary>Pings waiting for the worker.</summary>
    public int Count => (int)(Volatile.Read(ref _tail) - Volatile.Read(ref _head));

    public bool IsEmpty => Volatile.Read(ref _tail) == Volatile.Read(ref _head);

    /// <summary>Pinger: a free slot to write a ping into, false when the ring is full.</summary>
    public bool TryReserve(out Span<byte> slot)
    {
        long tail = _tail;
        if (tail - Volatile.Read(ref _head) > _mask)
        {
            slot = default;
            return false;
        }

        slot = _bytes.AsSpan((int)(tail & _mask) * SlotSize, SlotSize);
        return true;
    }

    /// <summary>Pinger: publishes the slot reserved last.</summary>
    public void Publish(int length, in NetAddress destination, int socket)
    {
        long tail = _tail;
        int i = (int)(tail & _mask);
        _lengths[i] = length;
        _sockets[i] = socket;
        _destinations[i] = destination;
        Volatile.Write(ref _tail, tail + 1);
    }

    /// <summary>Worker: the oldest ping, false when there is none.</summary>
    public bool TryPeek(out ReadOnlySpan<byte> datagram, out NetAddress destination, out int socket)
    {
        long head = _head;
        if (head == Volatile.Read(ref _tail))
        {
            datagram = default;
            destination = default;
            socket = 0;
            return false;
        }

        int i = (int)(head & _mask);
        datagram = _bytes.AsSpan(i * SlotSize, _lengths[i]);
        destination = _destinations[i];
        socket = _sockets[i];
        return true;
    }

    /// <summary>Worker: frees the slot <see cref="TryPeek"/> returned.</summary>
    public void Advance() => Volatile.Write(ref _head, _head + 1);
}
