namespace Hyperproxy.Location;

/// <summary>
/// The usrloc table: address-of-record (normalised bytes, as the registrar produced them) to one record
/// holding all of its bindings (<see cref="Records.LocationRecord"/>). The embedded implementation is
/// <see cref="Faster.FasterLocationStore"/>; a Redis/Garnet-backed one can follow for clusters.
/// </summary>
public interface ILocationStore : IDisposable
{
    Durability Durability { get; }

    /// <summary>A session for one worker thread.</summary>
    ILocationSession NewSession();

    /// <summary>True when the write behind <paramref name="ticket"/> is durable. Cheap (one volatile read).</summary>
    bool IsCommitted(CommitTicket ticket);

    /// <summary>Blocks until the ticket is committed or the timeout passes. Not for workers: they park the
    /// reply in <see cref="PendingAcks{TMeta}"/> instead.</summary>
    bool WaitCommitted(CommitTicket ticket, TimeSpan timeout);

    /// <summary>Counters; cheap enough for a management request, not for every message.</summary>
    LocationStats GetStats();

    /// <summary>What start-up recovery loaded.</summary>
    RecoveryReport Recovery { get; }
}
