namespace Hyperproxy.Modules.Dispatcher;

/// <summary>One set (group) of destinations, ordered by priority (higher first; ties keep the table's order).</summary>
public sealed class DispatcherSet
{
    public DispatcherSet(int id, DispatcherDestination[] destinations)
    {
        Id = id;
        Destinations = destinations;
        RunningWeights = new int[destinations.Length];
        int sum = 0;
        for (int i = 0; i < destinations.Length; i++)
        {
            sum += destinations[i].Weight;
            RunningWeights[i] = sum;
        }

        TotalWeight = sum;
    }

    public int Id { get; }

    public DispatcherDestination[] Destinations { get; }

    /// <summary>Weight of entries 0..i inclusive (a hash picks the first entry with <c>hash mod total &lt; running</c>).</summary>
    public int[] RunningWeights { get; }

    public int TotalWeight { get; }
}
