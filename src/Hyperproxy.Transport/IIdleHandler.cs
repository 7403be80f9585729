namespace Hyperproxy.Transport;

/// <summary>
/// Optional for an <see cref="IBatchHandler"/> that parks work to finish later (a REGISTER's 200 OK held
/// until its binding is durable). While <see cref="HasPendingWork"/> is true the worker polls with a
/// short timeout, and whenever a poll returns nothing it calls <see cref="OnIdle"/> with an empty
/// outgoing batch, which it then sends. Called on the worker's thread; must not allocate.
/// </summary>
public interface IIdleHandler
{
    /// <summary>True while parked work waits (checked once per loop).</summary>
    bool HasPendingWork { get; }

    /// <summary>Finishes whatever parked work is ready, appending datagrams to <paramref name="outgoing"/>.</summary>
    void OnIdle(DatagramBatch outgoing);
}
