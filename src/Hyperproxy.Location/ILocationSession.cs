namespace Hyperproxy.Location;

/// <summary>
/// One worker's handle on the store. Use it from one thread at a time (it may move between threads);
/// create one per worker at start-up and keep it. Nothing on it allocates in steady state.
/// </summary>
public interface ILocationSession : IDisposable
{
    /// <summary>Copies the AoR's record into <paramref name="buffer"/>. Expired contacts are still in it:
    /// read them with <see cref="Records.LocationRecordReader.GetContacts(long)"/> and a current <c>now</c>.</summary>
    ReadStatus Read(ReadOnlySpan<byte> aor, Span<byte> buffer, out int length);

    /// <summary>Atomic read-modify-write of the AoR's record through <paramref name="updater"/> (see
    /// <see cref="ILocationUpdater"/>); the updater's state is copied back so it can return results.
    /// <paramref name="ticket"/> says when the change is durable.</summary>
    UpdateStatus Update<TUpdater>(ReadOnlySpan<byte> aor, ref TUpdater updater, out CommitTicket ticket)
        where TUpdater : struct, ILocationUpdater, allows ref struct;

    /// <summary>Removes the AoR and every binding of it.</summary>
    UpdateStatus Delete(ReadOnlySpan<byte> aor, out CommitTicket ticket);
}
