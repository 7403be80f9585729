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

    /// <summary>
    /// <c>--durability sync</c>: after each write the store sends <c>WAIT 1 timeout</c> on the same connection
    /// and the write counts (the 200 OK leaves) only once at least one replica has it; else the REGISTER is
    /// answered 500. Off: a write counts once the primary has answered it.
    /// </summary>
    public bool WaitForReplica { get; init; }

    /// <summary>WAIT's timeout: how long a replica may take to acknowledge a write; half of
    /// <see cref="QueryTimeout"/> when not set, so that WAIT answers before the client gives up on it.</summary>
    public TimeSpan? ReplicaTimeout { get; init; }

    /// <summary>Prefix of every key: the key of an AoR is <c>PREFIX{AOR}</c>, hash-tagged so one AoR is one slot.</summary>
    public string KeyPrefix { get; init; } = "loc:";

    /// <summary>Compare-and-set attempts of one update before it fails (other nodes kept changing the AoR).</summary>
    public int MaxAttempts { get; init; } = 64;

    /// <summary>
    /// The worker's parked reads and writes go on a RESP connection of its own (no client threads, one <c>send</c> per
    /// turn, answers read on the worker) when the URL names one host that is not a Redis Cluster node; false keeps them on
    /// StackExchange.Redis (as a Cluster or a primary with replicas always is).
    /// </summary>
    public bool OwnClient { get; init; } = true;

    /// <summary>Where reconnects and failures are reported (rarely; never per message when things work).</summary>
    public Action<string> Log { get; init; } = static _ => { };

    /// <summary>Unix time for binding expiry (the TTL given to Redis is relative, so node clocks need not match Redis's).</summary>
    public LocationClock Clock { get; init; } = LocationClock.System;
}
