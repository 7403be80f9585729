namespace Hyperproxy.Location;

/// <summary>Unix time in seconds for the store's background expiry; tests substitute a manual clock.</summary>
public class LocationClock
{
    public static LocationClock System { get; } = new();

    public virtual long UnixSeconds => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
