using Hyperproxy.Location.Records;

namespace Hyperproxy.Location.Faster;

/// <summary>
/// The conditional purge: under the record lock, drops the bindings expired at <see cref="Now"/> from the
/// current version of the record, deletes the AoR when none is left, and leaves a record with nothing
/// expired (refreshed since the scan saw it) untouched. A corrupt record is left alone.
/// </summary>
internal struct PurgeUpdater : ILocationUpdater
{
    public long Now;
    public int Removed;

    public UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length)
    {
        length = 0;
        Removed = 0;
        if (current.IsEmpty || LocationRecord.TryOpen(current, out LocationRecordReader reader) != RecordError.None)
            return UpdateDecision.Keep;
        if (!reader.HasExpired(Now))
            return UpdateDecision.Keep;
        var writer = new LocationRecordWriter(destination);
        foreach (ContactView contact in reader.GetContacts(Now))
            writer.TryCopyContact(in contact);
        Removed = reader.Count - writer.Count;
        if (writer.Count == 0)
            return UpdateDecision.Delete;
        length = writer.Finish();
        return length < 0 ? UpdateDecision.Keep : UpdateDecision.Write;
    }
}
