namespace Hyperproxy.Modules.AuthDb;

/// <summary>
/// A read-only map from byte keys (built by <see cref="ByteKeys"/>) to values, filled at start-up and read by every
/// worker without locks or allocation. The first value added for a key wins (the first row, as a query would).
/// </summary>
internal sealed class ByteKeyMap<T>
    where T : class
{
    private readonly int[] _buckets;
    private readonly List<(ulong Hash, byte[] Key, T Value, int Next)> _entries = [];

    public ByteKeyMap(int expected)
    {
        int size = 16;
        while (size < expected * 2)
        {
            size <<= 1;
        }

        _buckets = new int[size];
        Array.Fill(_buckets, -1);
    }

    public int Count => _entries.Count;

    public void TryAdd(ReadOnlySpan<byte> key, T value)
    {
        if (Find(key) is not null)
        {
            return;
        }

        ulong h = ByteKeys.Hash(key);
        int b = (int)(h & (ulong)(_buckets.Length - 1));
        _entries.Add((h, key.ToArray(), value, _buckets[b]));
        _buckets[b] = _entries.Count - 1;
    }

    public T? Find(ReadOnlySpan<byte> key)
    {
        ulong h = ByteKeys.Hash(key);
        for (int e = _buckets[(int)(h & (ulong)(_buckets.Length - 1))]; e >= 0;)
        {
            var entry = _entries[e];
            if (entry.Hash == h && key.SequenceEqual(entry.Key))
            {
                return entry.Value;
            }

            e = entry.Next;
        }

        return null;
    }
}
