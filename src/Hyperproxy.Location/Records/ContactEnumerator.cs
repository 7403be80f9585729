using System.Buffers.Binary;

namespace Hyperproxy.Location.Records;

/// <summary>Walks the contacts of a validated record, optionally skipping those expired at a given time.</summary>
public ref struct ContactEnumerator
{
    private readonly ReadOnlySpan<byte> _record;
    private readonly long _now;
    private readonly bool _filter;
    private int _remaining;
    private int _offset;
    private ContactView _current;

    internal ContactEnumerator(ReadOnlySpan<byte> record, long now, bool filter)
    {
        _record = record;
        _now = now;
        _filter = filter;
        _remaining = record.IsEmpty ? 0 : record[LocationRecord.OffsetCount];
        _offset = LocationRecord.HeaderSize;
        _current = default;
    }

    public readonly ContactView Current => _current;

    public readonly ContactEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (_remaining > 0)
        {
            _remaining--;
            int length = BinaryPrimitives.ReadUInt16LittleEndian(_record.Slice(_offset));
            var view = new ContactView(_record.Slice(_offset, length));
            _offset += length;
            if (!_filter || LocationRecord.IsValid(view.Expires, _now))
            {
                _current = view;
                return true;
            }
        }
        return false;
    }
}
