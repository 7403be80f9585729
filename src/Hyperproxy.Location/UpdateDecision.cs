namespace Hyperproxy.Location;

/// <summary>What an <see cref="ILocationUpdater"/> wants done with the AoR's record.</summary>
public enum UpdateDecision : byte
{
    /// <summary>Leave the record as it is (query, retransmission, rejected request).</summary>
    Keep,

    /// <summary>Store the bytes written to the destination.</summary>
    Write,

    /// <summary>Remove the AoR (no binding left).</summary>
    Delete,
}
