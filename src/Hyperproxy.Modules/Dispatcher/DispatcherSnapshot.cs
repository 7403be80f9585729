namespace Hyperproxy.Modules.Dispatcher;

/// <summary>
/// What the workers read: the loaded table and every destination's state, never changed after it is published.
/// A state change (prober, MI, ds_mark_dst) publishes a new snapshot with one atomic reference swap, so a
/// selection reads one consistent view without a lock.
/// </summary>
public sealed class DispatcherSnapshot
{
    public DispatcherSnapshot(DispatcherData data, byte[] states)
    {
        Data = data;
        States = states;
    }

    public DispatcherData Data { get; }

    /// <summary>Per destination (<see cref="DispatcherDestination.Index"/>): <see cref="DispatcherState"/>.</summary>
    public byte[] States { get; }

    public bool IsActive(DispatcherDestination d) => States[d.Index] == DispatcherState.Active;

    public static DispatcherSnapshot Initial(DispatcherData data)
    {
        var states = new byte[data.All.Length];
        for (int i = 0; i < states.Length; i++)
        {
            states[i] = (byte)data.All[i].InitialState;
        }

        return new DispatcherSnapshot(data, states);
    }

    public DispatcherSnapshot With(int index, byte state)
    {
        byte[] states = (byte[])States.Clone();
        states[index] = state;
        return new DispatcherSnapshot(Data, states);
    }
}
