namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// One worker's byte buffers for transactions (requests, branches, replies): size classes every 128 bytes up to
/// 4 KiB, then 8, 16 and 64 KiB, each a stack of returned buffers. A stored message takes the smallest class that
/// holds it (at most 127 bytes of slack below 4 KiB — a held call keeps three messages, so coarse classes would
/// cost kilobytes per transaction), and a buffer of another class is swapped for one of the right class from the
/// pool. A buffer is allocated (on the pinned object heap) only when its class is empty, so steady state allocates nothing.
/// Chosen over Microsoft.Extensions.ObjectPool: single-threaded, no interlocked operations, exact size classes.
/// Single-threaded (the owning worker).
/// </summary>
public sealed class BufferPool
{
    private const int Step = 128;
    private const int SmallLimit = 4096;
    private const int SmallClasses = SmallLimit / Step; // classes 0..31: 128 .. 4096 bytes
    private static readonly int[] s_large = [8192, 16384, 65536];
    private readonly byte[][][] _stacks = new byte[SmallClasses + 3][][];
    private readonly int[] _counts = new int[SmallClasses + 3];

    public BufferPool()
    {
        for (int c = 0; c < _stacks.Length; c++)
        {
            _stacks[c] = new byte[16][];
        }
    }

    /// <summary>The largest buffer the pool hands out; longer messages are refused by <see cref="Store"/>.</summary>
    public const int MaxLength = 65536;

    /// <summary>Buffers allocated so far (warm-up only in steady state).</summary>
    public long Allocated { get; private set; }

    /// <summary>The size class of a length (≤ <see cref="MaxLength"/>).</summary>
    private static int ClassOf(int length) =>
        length <= SmallLimit ? Math.Max(0, (length - 1) / Step) : length <= 8192 ? SmallClasses : length <= 16384 ? SmallClasses + 1 : SmallClasses + 2;

    private static int SizeOf(int c) => c < SmallClasses ? (c + 1) * Step : s_large[c - SmallClasses];

    public byte[] Rent(int length)
    {
        int c = ClassOf(length);
        if (_counts[c] > 0)
        {
            byte[] b = _stacks[c][--_counts[c]];
            _stacks[c][_counts[c]] = null!;
            return b;
        }

        Allocated++;
        // On the pinned object heap: a pool buffer lives as long as the worker, and while the table grows (every
        // transaction survives for wt_timer) buffers allocated in gen0 would be copied by two collections each.
        return GC.AllocateUninitializedArray<byte>(SizeOf(c), pinned: true);
    }

    /// <summary>Gives a buffer back (null is ignored).</summary>
    public void Return(byte[]? buffer)
    {
        if (buffer is null)
        {
            return;
        }

        int c = ClassOf(buffer.Length);
        if (_counts[c] == _stacks[c].Length)
        {
            Array.Resize(ref _stacks[c], _stacks[c].Length * 2);
        }

        _stacks[c][_counts[c]++] = buffer;
    }

    /// <summary>
    /// Copies <paramref name="bytes"/> into <paramref name="buffer"/>, swapping it for a buffer of the class that fits
    /// (the old one goes back to the pool) when its class is another one.
    /// </summary>
    public int Store(ref byte[]? buffer, ReadOnlySpan<byte> bytes)
    {
        int length = Math.Min(bytes.Length, MaxLength);
        if (buffer is null || buffer.Length != SizeOf(ClassOf(length)))
        {
            Return(buffer);
            buffer = Rent(length);
        }

        bytes[..length].CopyTo(buffer);
        return length;
    }
}
