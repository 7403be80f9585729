using System.Buffers.Binary;

namespace Hyperproxy.Location.Records;

/// <summary>Enumerates the Path URIs of one binding, in received order.</summary>
public ref struct PathEnumerator
{
    private readonly ReadOnlySpan<byte> _region;
    private int _remaining;
    private int _offset;
    private ReadOnlySpan<byte> _current;

    internal PathEnumerator(ReadOnlySpan<byte> region, int count)
    {
        _region = region;
        _remaining = count;
        _offset = 0;
        _current = default;
    }

    public readonly ReadOnlySpan<byte> Current => _current;

    public readonly PathEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_remaining == 0)
            return false;
        _remaining--;
        int length = BinaryPrimitives.ReadUInt16LittleEndian(_region.Slice(_offset));
        _current = _region.Slice(_offset + 2, length);
        _offset += 2 + length;
        return true;
    }
}
