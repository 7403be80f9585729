namespace Hyperproxy.Location.Redis;

/// <summary>Settings of the Redis-protocol location store, decided at start-up.</summary>
public sealed class RedisLocationOptions
{
    public required RedisLocationUrl Url { get; init; }

    /// <summary>cachedb_redis <c>connect_timeout</c>: how long one connection attempt may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromMilliseconds(5000);

    /// <summary>cachedb_redis <c>query_timeout</c>: how long a worker waits for one answer before the
    /// operation counts as failed (REGISTER answered 500, lookup failing).</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromMilliseconds(5000);

    /// <summary>Prefix of every key: the key of an AoR is <c>PREFIX{AOR}</c>, hash-tagged so one AoR is one slot.</summary>
    public string KeyPrefix { get; init; } = "loc:";

    /// <summary>Compare-and-set attempts of one update before it fails (other nodes kept changing the AoR).</summary>
    public int MaxAttempts { get; init; } = 64;

    /// <summary>Where reconnects and failures are reported (rarely; never per message when things work).</summary>
    public Action<string> Log { get; init; } = static _ => { };

    /// <summary>Unix time for binding expiry (the TTL given to Redis is relative, so node clocks need not match Redis's).</summary>
    public LocationClock Clock { get; init; } = LocationClock.System;
}
