namespace Hyperproxy.Location.Faster;

/// <summary>Keys (with the log address they were seen at) collected by a scan, for a second pass of
/// point operations. Background use only; grows by doubling and is reused between passes.</summary>
internal sealed class KeyBatch
{
    private byte[] _bytes = new byte[64 * 1024];
    private int[] _offsets = new int[1024];
    private long[] _addresses = new long[1024];
    private int _used;

    public int Count { get; private set; }

    public void Clear()
    {
        Count = 0;
        _used = 0;
    }

    public void Add(ReadOnlySpan<byte> key, long address)
    {
        if (_used + key.Length > _bytes.Length)
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + key.Length));
        if (Count + 1 >= _offsets.Length)
        {
            Array.Resize(ref _offsets, _offsets.Length * 2);
            Array.Resize(ref _addresses, _addresses.Length * 2);
        }
        key.CopyTo(_bytes.AsSpan(_used));
        _offsets[Count] = _used;
        _addresses[Count] = address;
        _used += key.Length;
        Count++;
        _offsets[Count] = _used;
    }

    public ReadOnlySpan<byte> Key(int index) => _bytes.AsSpan(_offsets[index], _offsets[index + 1] - _offsets[index]);

    public long Address(int index) => _addresses[index];
}
