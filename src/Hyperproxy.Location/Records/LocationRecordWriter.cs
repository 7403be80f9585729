using System.Buffers.Binary;

namespace Hyperproxy.Location.Records;

/// <summary>
/// Builds a record into caller-owned memory. Add contacts with <see cref="TryAddContact"/> (then its
/// Path URIs with <see cref="TryAddPath"/>) or copy existing ones with <see cref="TryCopyContact(in ContactView)"/>;
/// <see cref="Finish"/> writes the header and returns the length. Once anything does not fit every
/// later call returns false and <see cref="Finish"/> returns -1; nothing throws.
/// </summary>
public ref struct LocationRecordWriter
{
    private readonly Span<byte> _destination;
    private int _offset;
    private int _count;
    private int _openContact;
    private long _minExpires;
    private bool _failed;

    public LocationRecordWriter(Span<byte> destination)
    {
        _destination = destination;
        _offset = LocationRecord.HeaderSize;
        _openContact = -1;
        _failed = destination.Length < LocationRecord.HeaderSize;
    }

    /// <summary>Contacts written so far.</summary>
    public readonly int Count => _count;

    /// <summary>Bytes written so far, header included.</summary>
    public readonly int Length => _offset;

    /// <summary>True once anything did not fit.</summary>
    public readonly bool Failed => _failed;

    /// <summary>Starts a new binding. Its Path URIs follow with <see cref="TryAddPath"/>.</summary>
    public bool TryAddContact(in ContactFields fields, ReadOnlySpan<byte> contact, ReadOnlySpan<byte> received,
        ReadOnlySpan<byte> callId, ReadOnlySpan<byte> userAgent, ReadOnlySpan<byte> instance)
    {
        if (_failed || _count == LocationRecord.MaxContacts)
            return Fail();
        int start = _offset;
        int size = LocationRecord.ContactFixedSize + 2 * LocationRecord.StringCount
            + contact.Length + received.Length + callId.Length + userAgent.Length + instance.Length;
        if (size > LocationRecord.MaxContactEntrySize || size > _destination.Length - start)
            return Fail();
        Span<byte> entry = _destination.Slice(start, size);
        entry.Slice(0, LocationRecord.ContactFixedSize).Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(entry, (ushort)size);
        WriteFields(entry, in fields);
        int offset = LocationRecord.ContactFixedSize;
        offset = WriteString(entry, offset, contact);
        offset = WriteString(entry, offset, received);
        offset = WriteString(entry, offset, callId);
        offset = WriteString(entry, offset, userAgent);
        WriteString(entry, offset, instance);
        _offset = start + size;
        _openContact = start;
        Added(fields.Expires);
        return true;
    }

    /// <summary>Appends one Path URI to the binding started last.</summary>
    public bool TryAddPath(ReadOnlySpan<byte> uri)
    {
        if (_failed || _openContact < 0)
            return Fail();
        Span<byte> header = _destination.Slice(_openContact);
        int entryLength = BinaryPrimitives.ReadUInt16LittleEndian(header);
        int newLength = entryLength + 2 + uri.Length;
        if (header[LocationRecord.COffsetPathCount] == byte.MaxValue || newLength > LocationRecord.MaxContactEntrySize
            || 2 + uri.Length > _destination.Length - _offset)
            return Fail();
        WriteString(_destination, _offset, uri);
        _offset += 2 + uri.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)newLength);
        header[LocationRecord.COffsetPathCount]++;
        return true;
    }

    /// <summary>Copies a stored binding unchanged.</summary>
    public bool TryCopyContact(in ContactView contact)
    {
        if (!TryCopyRaw(contact.Raw))
            return false;
        Added(contact.Expires);
        return true;
    }

    /// <summary>Copies a stored binding (URIs, Call-ID, Path...) with new fixed fields (expires, CSeq, q...).</summary>
    public bool TryCopyContact(in ContactView contact, in ContactFields fields)
    {
        int start = _offset;
        if (!TryCopyRaw(contact.Raw))
            return false;
        WriteFields(_destination.Slice(start), in fields);
        Added(fields.Expires);
        return true;
    }

    /// <summary>Writes the header; returns the record length, or -1 when something did not fit.</summary>
    public int Finish()
    {
        if (_failed)
            return -1;
        _destination[0] = LocationRecord.CurrentVersion;
        _destination[LocationRecord.OffsetCount] = (byte)_count;
        _destination[2] = 0;
        _destination[3] = 0;
        BinaryPrimitives.WriteInt64LittleEndian(_destination.Slice(LocationRecord.OffsetMinExpires), _minExpires);
        _openContact = -1;
        return _offset;
    }

    private bool TryCopyRaw(ReadOnlySpan<byte> raw)
    {
        if (_failed || _count == LocationRecord.MaxContacts || raw.Length > _destination.Length - _offset)
            return Fail();
        raw.CopyTo(_destination.Slice(_offset));
        _openContact = -1;
        _offset += raw.Length;
        return true;
    }

    private void Added(long expires)
    {
        _count++;
        if (expires != 0 && (_minExpires == 0 || expires < _minExpires))
            _minExpires = expires;
    }

    private bool Fail()
    {
        _failed = true;
        return false;
    }

    private static void WriteFields(Span<byte> entry, in ContactFields f)
    {
        BinaryPrimitives.WriteInt64LittleEndian(entry.Slice(LocationRecord.COffsetExpires), f.Expires);
        BinaryPrimitives.WriteInt64LittleEndian(entry.Slice(LocationRecord.COffsetLastModified), f.LastModified);
        BinaryPrimitives.WriteUInt32LittleEndian(entry.Slice(LocationRecord.COffsetCSeq), f.CSeq);
        BinaryPrimitives.WriteInt16LittleEndian(entry.Slice(LocationRecord.COffsetQ), f.Q);
        BinaryPrimitives.WriteUInt16LittleEndian(entry.Slice(LocationRecord.COffsetSocket), f.Socket);
        BinaryPrimitives.WriteUInt32LittleEndian(entry.Slice(LocationRecord.COffsetFlags), (uint)f.Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(entry.Slice(LocationRecord.COffsetBranchFlags), f.BranchFlags);
        BinaryPrimitives.WriteUInt32LittleEndian(entry.Slice(LocationRecord.COffsetMethods), f.Methods);
        BinaryPrimitives.WriteInt32LittleEndian(entry.Slice(LocationRecord.COffsetRegId), f.RegId);
    }

    private static int WriteString(Span<byte> target, int offset, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(target.Slice(offset), (ushort)value.Length);
        value.CopyTo(target.Slice(offset + 2));
        return offset + 2 + value.Length;
    }
}
