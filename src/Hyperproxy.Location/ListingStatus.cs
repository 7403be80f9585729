namespace Hyperproxy.Location;

/// <summary>The outcome of one <see cref="ILocationListing.ListPage"/>.</summary>
public enum ListingStatus
{
    Ok,

    /// <summary>The cursor is not one this store handed out.</summary>
    BadCursor,

    /// <summary>The store changed under the cursor in a way it cannot continue from (the embedded store was
    /// compacted); the listing has to start again.</summary>
    CursorExpired,

    /// <summary>The store could not be read (Redis unreachable, timeout).</summary>
    Failed,
}
