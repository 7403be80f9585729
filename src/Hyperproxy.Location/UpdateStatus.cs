namespace Hyperproxy.Location;

/// <summary>Outcome of <see cref="ILocationSession.Update{TUpdater}"/> and <see cref="ILocationSession.Delete"/>.</summary>
public enum UpdateStatus : byte
{
    /// <summary>The updater chose <see cref="UpdateDecision.Keep"/> (or asked to delete a record that did not exist).</summary>
    Unchanged,

    /// <summary>A new record was stored.</summary>
    Written,

    /// <summary>The AoR was removed.</summary>
    Deleted,

    /// <summary>The updater claimed a length outside its destination; nothing was stored.</summary>
    BadLength,

    /// <summary>The store failed the operation (I/O error, cancelled); nothing is known to be stored.</summary>
    Failed,

    /// <summary><see cref="IFetchingSession.UpdateOrStart"/>: the update waits for the server's answer; park the
    /// request and run it again once <see cref="IFetchingSession.HasAnswers"/> says so.</summary>
    Pending,
}
