namespace Hyperproxy.Location;

/// <summary>
/// The "modify" of an atomic read-modify-write (RFC 3261 §10.3 save). Implemented by a struct (it may
/// be a ref struct holding spans of the REGISTER) so the call is inlined and nothing is allocated.
/// <para>
/// <see cref="Update"/> runs while the store holds the AoR's record lock: keep it short, never call
/// back into the store from it. It may run more than once per <c>Update</c> call (FASTER retries an
/// operation that raced with another writer or a checkpoint), always with the then-current record, so it
/// must compute its result from <paramref name="current"/> alone and may overwrite its result fields on
/// each run; the fields left after <c>Update</c> returns belong to the run that took effect.
/// </para>
/// </summary>
public interface ILocationUpdater
{
    /// <param name="current">The stored record; empty when the AoR has none. Not validated: open it with
    /// <see cref="Records.LocationRecord.TryOpen"/> and decide what a corrupt record means.</param>
    /// <param name="destination">Where to write the new record (see <see cref="Records.LocationRecordWriter"/>).</param>
    /// <param name="length">Length of the new record when the decision is <see cref="UpdateDecision.Write"/>.</param>
    UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length);
}
