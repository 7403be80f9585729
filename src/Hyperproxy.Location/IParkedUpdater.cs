namespace Hyperproxy.Location;

/// <summary>
/// An updater whose write may finish after the request that made it has been parked and run again
/// (<see cref="IFetchingSession.UpdateOrStart"/>): <see cref="Note"/> is what the caller needs from the run
/// that took effect (the registrar's error, e.g. "too many contacts" beside a write), kept with the write
/// and handed back when its answer is taken.
/// </summary>
public interface IParkedUpdater : ILocationUpdater
{
    /// <summary>Read right after <see cref="ILocationUpdater.Update"/> ran.</summary>
    int Note { get; }
}
