using System.Buffers.Binary;

namespace Hyperproxy.Location.Records;

/// <summary>
/// A view over a validated record (obtain it from <see cref="LocationRecord.TryOpen"/>). Allocates
/// nothing; contacts are enumerated as <see cref="ContactView"/>s over the record's bytes.
/// </summary>
public readonly ref struct LocationRecordReader
{
    private readonly ReadOnlySpan<byte> _record;

    internal LocationRecordReader(ReadOnlySpan<byte> record) => _record = record;

    /// <summary>The raw record bytes.</summary>
    public ReadOnlySpan<byte> Raw => _record;

    /// <summary>Stored contacts, expired ones included.</summary>
    public int Count => _record.IsEmpty ? 0 : _record[LocationRecord.OffsetCount];

    /// <summary>Smallest non-zero expires (0: no contact expires).</summary>
    public long MinExpires => _record.IsEmpty ? 0 : BinaryPrimitives.ReadInt64LittleEndian(_record.Slice(LocationRecord.OffsetMinExpires));

    /// <summary>Contacts still valid at <paramref name="now"/> (unix seconds), in stored order.</summary>
    public ContactEnumerator GetContacts(long now) => new(_record, now, filter: true);

    /// <summary>Every stored contact, expired ones included.</summary>
    public ContactEnumerator GetAllContacts() => new(_record, 0, filter: false);

    /// <summary>How many contacts are valid at <paramref name="now"/>.</summary>
    public int CountValid(long now)
    {
        int n = 0;
        foreach (ContactView _ in GetContacts(now))
            n++;
        return n;
    }

    /// <summary>True when any contact has expired at <paramref name="now"/>.</summary>
    public bool HasExpired(long now)
    {
        long min = MinExpires;
        return min != 0 && min <= now;
    }
}
