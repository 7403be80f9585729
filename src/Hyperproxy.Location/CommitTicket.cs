namespace Hyperproxy.Location;

/// <summary>
/// Says when a write is durable. In <see cref="Durability.Sync"/> it is a write-ahead-log address: the
/// write is on disk once the log is committed up to it (<see cref="ILocationStore.IsCommitted"/>). In the
/// other modes it is <see cref="None"/>, which is always committed.
/// </summary>
public readonly record struct CommitTicket(long Address)
{
    public static CommitTicket None => default;

    public bool IsNone => Address == 0;
}
