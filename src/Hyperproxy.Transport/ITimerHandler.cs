namespace Hyperproxy.Transport;

/// <summary>
/// Optional for an <see cref="IBatchHandler"/> that keeps timers or takes work from other workers (tm's
/// transactions): the worker bounds its receive wait by <see cref="MillisecondsUntilDue"/> and calls
/// <see cref="OnTimer"/> whenever it is due, whether traffic is busy or idle — so timers fire on the
/// owning worker's thread only. Called on the worker's thread; must not allocate.
/// </summary>
public interface ITimerHandler
{
    /// <summary>Milliseconds until <see cref="OnTimer"/> must run: 0 = now, <see cref="int.MaxValue"/> = nothing scheduled.</summary>
    int MillisecondsUntilDue();

    /// <summary>Fires what is due, appending datagrams to <paramref name="outgoing"/> while it has room (the rest at the next turn).</summary>
    void OnTimer(DatagramBatch outgoing);
}
