namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// One worker's byte buffers for transactions (requests, branches, replies): size classes of 2, 8 and 64 KiB,
/// each a stack of returned buffers. A buffer is allocated only when its class is empty, so steady state
/// allocates nothing. Chosen over Microsoft.Extensions.ObjectPool: single-threaded, no interlocked
/// operations, exact size classes. Single-threaded (the owning worker).
/// </summary>
public sealed class BufferPool
{
    private static readonly int[] s_sizes = [2048, 8192, 65536];
    private readonly byte[][][] _stacks = [new byte[64][], new byte[16][], new byte[4][]];
    private readonly int[] _counts = new int[3];

    /// <summary>Buffers allocated so far (warm-up only in steady state).</summary>
    public long Allocated { get; private set; }

    public byte[] Rent(int length)
    {
        int c = length <= 2048 ? 0 : length <= 8192 ? 1 : 2;
        if (_counts[c] > 0)
        {
            byte[] b = _stacks[c][--_counts[c]];
            _stacks[c][_counts[c]] = null!;
            return b;
        }

        Allocated++;
        return new byte[s_sizes[c]];
    }

    /// <summary>Gives a buffer back (null is ignored).</summary>
    public void Return(byte[]? buffer)
    {
        if (buffer is null)
        {
            return;
        }

        int c = buffer.Length == 2048 ? 0 : buffer.Length == 8192 ? 1 : 2;
        if (_counts[c] == _stacks[c].Length)
        {
            Array.Resize(ref _stacks[c], _stacks[c].Length * 2);
        }

        _stacks[c][_counts[c]++] = buffer;
    }

    /// <summary>Copies <paramref name="bytes"/> into <paramref name="buffer"/>, renting a bigger one (and returning the old) when needed.</summary>
    public int Store(ref byte[]? buffer, ReadOnlySpan<byte> bytes)
    {
        if (buffer is null || buffer.Length < bytes.Length)
        {
            Return(buffer);
            buffer = Rent(bytes.Length);
        }

        bytes.CopyTo(buffer);
        return bytes.Length;
    }
}
