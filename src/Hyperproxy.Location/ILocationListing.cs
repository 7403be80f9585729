namespace Hyperproxy.Location;

/// <summary>
/// A store that can list its address-of-records page by page (usrloc's <c>ul_dump</c>): for the management
/// thread, never for a worker. Each page costs work in proportion to the page, holds no lock a worker waits
/// on, and hands back an opaque cursor for the next one. The records themselves are then read through a
/// session of the caller's own.
/// </summary>
public interface ILocationListing
{
    /// <summary>
    /// Appends about <paramref name="limit"/> AoRs (the embedded store: at most that many; Redis: SCAN's COUNT
    /// is a hint, so a page may hold a few more) to <paramref name="aors"/>, starting at
    /// <paramref name="cursor"/> (null: a new listing). <paramref name="next"/> is the cursor of the following
    /// page, null once the listing is complete. A page may hold fewer than <paramref name="limit"/> AoRs (even
    /// none) while <paramref name="next"/> is not null. What a complete listing guarantees is the store's to
    /// say (<see cref="Faster.FasterLocationStore"/>: every AoR present at its start and still present at its
    /// end exactly once; <see cref="Redis.RedisLocationStore"/>: SCAN's "at least once").
    /// </summary>
    ListingStatus ListPage(string? cursor, int limit, List<byte[]> aors, out string? next);
}
