namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// The locally originated requests for one worker: a bounded single-producer (the management thread, which runs one
/// MI command at a time) single-consumer (the worker) ring of <see cref="UacRequest"/>s, published with a release
/// write of the tail as nathelper's ping ring is. Full means the MI command fails at once; the worker never waits.
/// </summary>
public sealed class UacRing
{
    public const int Slots = 256;

    private readonly UacRequest?[] _items = new UacRequest?[Slots];
    private long _head; // worker
    private long _tail; // management thread

    public bool IsEmpty => Volatile.Read(ref _tail) == Volatile.Read(ref _head);

    /// <summary>Producer: false when the ring is full.</summary>
    public bool TryEnqueue(UacRequest request)
    {
        long tail = _tail;
        if (tail - Volatile.Read(ref _head) >= Slots)
        {
            return false;
        }

        _items[(int)(tail & (Slots - 1))] = request;
        Volatile.Write(ref _tail, tail + 1);
        return true;
    }

    /// <summary>Consumer: the oldest request, or null when empty.</summary>
    public UacRequest? TryDequeue()
    {
        long head = _head;
        if (Volatile.Read(ref _tail) == head)
        {
            return null;
        }

        int i = (int)(head & (Slots - 1));
        UacRequest? request = _items[i];
        _items[i] = null;
        Volatile.Write(ref _head, head + 1);
        return request;
    }
}
