namespace Hyperproxy.Location;

/// <summary>
/// A store that can list its address-of-records (usrloc's <c>ul_dump</c>): a scan for the management
/// thread, never for a worker. The records themselves are then read through a session of the caller's own.
/// </summary>
public interface ILocationListing
{
    /// <summary>Every AoR with a record at the time of the scan (possibly some with only expired bindings), each once.</summary>
    IReadOnlyList<byte[]> ListAors();
}
