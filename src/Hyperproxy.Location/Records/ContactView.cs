using System.Buffers.Binary;

namespace Hyperproxy.Location.Records;

/// <summary>One binding inside a validated record; every span points into the record's bytes.</summary>
public readonly ref struct ContactView
{
    private readonly ReadOnlySpan<byte> _entry;

    internal ContactView(ReadOnlySpan<byte> entry) => _entry = entry;

    /// <summary>The whole encoded entry (what <see cref="LocationRecordWriter.TryCopyContact(in ContactView)"/> copies).</summary>
    public ReadOnlySpan<byte> Raw => _entry;

    public long Expires => BinaryPrimitives.ReadInt64LittleEndian(_entry.Slice(LocationRecord.COffsetExpires));

    public long LastModified => BinaryPrimitives.ReadInt64LittleEndian(_entry.Slice(LocationRecord.COffsetLastModified));

    public uint CSeq => BinaryPrimitives.ReadUInt32LittleEndian(_entry.Slice(LocationRecord.COffsetCSeq));

    /// <summary>q in thousandths, -1 = unspecified.</summary>
    public short Q => BinaryPrimitives.ReadInt16LittleEndian(_entry.Slice(LocationRecord.COffsetQ));

    public ushort Socket => BinaryPrimitives.ReadUInt16LittleEndian(_entry.Slice(LocationRecord.COffsetSocket));

    public ContactFlags Flags => (ContactFlags)BinaryPrimitives.ReadUInt32LittleEndian(_entry.Slice(LocationRecord.COffsetFlags));

    public uint BranchFlags => BinaryPrimitives.ReadUInt32LittleEndian(_entry.Slice(LocationRecord.COffsetBranchFlags));

    public uint Methods => BinaryPrimitives.ReadUInt32LittleEndian(_entry.Slice(LocationRecord.COffsetMethods));

    /// <summary>RFC 5626 reg-id, -1 when absent.</summary>
    public int RegId => BinaryPrimitives.ReadInt32LittleEndian(_entry.Slice(LocationRecord.COffsetRegId));

    /// <summary>All fixed fields at once (handy to copy a binding with a few fields changed).</summary>
    public ContactFields Fields => new()
    {
        Expires = Expires,
        LastModified = LastModified,
        CSeq = CSeq,
        Q = Q,
        Socket = Socket,
        Flags = Flags,
        BranchFlags = BranchFlags,
        Methods = Methods,
        RegId = RegId,
    };

    /// <summary>The Contact URI as received (without the angle brackets and header parameters).</summary>
    public ReadOnlySpan<byte> Contact => StringAt(0);

    /// <summary>Where the UA was seen, as text: by convention a SIP URI such as <c>sip:192.0.2.1:5060</c>; empty when not stored.</summary>
    public ReadOnlySpan<byte> Received => StringAt(1);

    public ReadOnlySpan<byte> CallId => StringAt(2);

    public ReadOnlySpan<byte> UserAgent => StringAt(3);

    /// <summary>The +sip.instance value as received (with its quotes/angle brackets); empty when absent.</summary>
    public ReadOnlySpan<byte> Instance => StringAt(4);

    public int PathCount => _entry[LocationRecord.COffsetPathCount];

    /// <summary>The Path URIs in the order they were received (the first is the hop nearest the registrar).</summary>
    public PathEnumerator Path => new(PathRegion, PathCount);

    /// <summary>The first Path URI, empty when there is no Path.</summary>
    public ReadOnlySpan<byte> FirstPath
    {
        get
        {
            if (PathCount == 0)
                return default;
            ReadOnlySpan<byte> region = PathRegion;
            return region.Slice(2, BinaryPrimitives.ReadUInt16LittleEndian(region));
        }
    }

    /// <summary>The encoded Path vector (u16 length + bytes per URI); see <see cref="PathEnumerator"/>.</summary>
    internal ReadOnlySpan<byte> PathRegion
    {
        get
        {
            int offset = SkipStrings(LocationRecord.StringCount);
            return _entry.Slice(offset);
        }
    }

    private ReadOnlySpan<byte> StringAt(int index)
    {
        int offset = SkipStrings(index);
        int length = BinaryPrimitives.ReadUInt16LittleEndian(_entry.Slice(offset));
        return _entry.Slice(offset + 2, length);
    }

    private int SkipStrings(int count)
    {
        int offset = LocationRecord.ContactFixedSize;
        for (int i = 0; i < count; i++)
            offset += 2 + BinaryPrimitives.ReadUInt16LittleEndian(_entry.Slice(offset));
        return offset;
    }
}
