using System.Runtime.CompilerServices;

namespace Hyperproxy.Script.Tracing;

/// <summary>
/// One worker's traced messages on their way to the tracer thread: a single-producer single-consumer ring of
/// bytes (records of header + message, 8-byte aligned, a wrap marker where one does not fit before the end).
/// The worker writes without a lock or an allocation; a record that does not fit is dropped and counted
/// (<see cref="Dropped"/>), never waited for.
/// </summary>
public sealed class TraceRing
{
    private const int Wrap = -1;
    private static readonly int s_headerSize = (Unsafe.SizeOf<TraceHeader>() + 7) & ~7;
    private readonly byte[] _buffer;
    private long _written; // producer's position, published after the record
    private long _read;    // consumer's position, published after the record is taken
    private long _peekedEnd; // consumer's: where the record TryPeek returned ends
    private long _dropped;

    public TraceRing(int capacity = 1 << 20)
    {
        if (capacity < 4096 || (capacity & (capacity - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), "a power of two of at least 4096 bytes");
        _buffer = new byte[capacity];
    }

    public int Capacity => _buffer.Length;

    /// <summary>Records dropped because the ring was full (the tracer thread fell behind).</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Producer: appends one message; false (counted) when it does not fit now.</summary>
    public bool TryWrite(in TraceHeader header, ReadOnlySpan<byte> message)
    {
        int size = (4 + s_headerSize + message.Length + 7) & ~7;
        long written = _written;
        long free = _buffer.Length - (written - Volatile.Read(ref _read));
        int at = (int)(written & (_buffer.Length - 1));
        int skip = at + size > _buffer.Length ? _buffer.Length - at : 0;
        if (size + skip > free || size > _buffer.Length / 2)
        {
            _dropped++;
            return false;
        }

        if (skip != 0)
        {
            Unsafe.WriteUnaligned(ref _buffer[at], Wrap);
            at = 0;
        }

        Unsafe.WriteUnaligned(ref _buffer[at], size);
        TraceHeader h = header;
        h.Length = message.Length;
        Unsafe.WriteUnaligned(ref _buffer[at + 4], h);
        message.CopyTo(_buffer.AsSpan(at + 4 + s_headerSize));
        Volatile.Write(ref _written, written + skip + size);
        return true;
    }

    /// <summary>
    /// Consumer: the oldest record, read in place (no copy); it stays in the ring until <see cref="Advance"/>,
    /// so the span is valid until then. False when the ring is empty.
    /// </summary>
    public bool TryPeek(out TraceHeader header, out ReadOnlySpan<byte> message)
    {
        header = default;
        message = default;
        long read = _read;
        if (read == Volatile.Read(ref _written))
            return false;
        int at = (int)(read & (_buffer.Length - 1));
        int size = Unsafe.ReadUnaligned<int>(ref _buffer[at]);
        if (size == Wrap)
        {
            read += _buffer.Length - at;
            at = 0;
            size = Unsafe.ReadUnaligned<int>(ref _buffer[0]);
        }

        header = Unsafe.ReadUnaligned<TraceHeader>(ref _buffer[at + 4]);
        message = _buffer.AsSpan(at + 4 + s_headerSize, header.Length);
        _peekedEnd = read + size;
        return true;
    }

    /// <summary>Consumer: releases the record the last <see cref="TryPeek"/> returned.</summary>
    public void Advance() => Volatile.Write(ref _read, _peekedEnd);

    /// <summary>Consumer: takes the oldest record (its bytes copied out); false when the ring is empty.</summary>
    public bool TryRead(out TraceHeader header, out byte[] message)
    {
        if (!TryPeek(out header, out ReadOnlySpan<byte> bytes))
        {
            message = [];
            return false;
        }

        message = bytes.ToArray();
        Advance();
        return true;
    }
}
