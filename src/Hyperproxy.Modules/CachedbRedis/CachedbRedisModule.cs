using Hyperproxy.Script.Declarations;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.CachedbRedis;

/// <summary>
/// cachedb_redis (OpenSIPS <c>modules/cachedb_redis</c>, spec §4.3): the Redis connection behind usrloc's
/// <c>cluster_mode "full-sharing-cachedb"</c> and <c>cachedb_url "redis://..."</c>. Hyperproxy uses it only
/// for the location table, so it exports no script function; its timeouts are honoured, the script-level
/// cache URL (<c>cache_store</c>/<c>cache_fetch</c>) and TLS are refused.
/// </summary>
public sealed class CachedbRedisModule
{
    public const string Name = "cachedb_redis";

    public CachedbRedisModule()
    {
        Exports = new ModuleDeclaration(Name, [],
        [
            Int("connect_timeout", 5000, v => ConnectTimeout = TimeSpan.FromMilliseconds(v), InRange),
            Int("query_timeout", 5000, v => QueryTimeout = TimeSpan.FromMilliseconds(v), InRange),
            Unsupported("cachedb_url", null,
                "Hyperproxy has no cache_store/cache_fetch script functions; the location table's server is usrloc's cachedb_url"),
            OnlyDefault("use_tls", 0, "Hyperproxy talks to Redis without TLS; leave use_tls at 0"),
            OnlyDefault("shutdown_on_error", 0,
                "Hyperproxy starts without Redis and keeps reconnecting (REGISTER is answered 500 meanwhile); leave shutdown_on_error at 0"),
        ]);
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    /// <summary><c>connect_timeout</c> (ms): how long one connection attempt may take.</summary>
    public TimeSpan ConnectTimeout { get; private set; }

    /// <summary><c>query_timeout</c> (ms): how long an operation may wait for its answer before it fails.</summary>
    public TimeSpan QueryTimeout { get; private set; }

    private static string? InRange(int value) => value is >= 1 and <= 600_000 ? null : $"{value} is out of range (1..600000 ms)";
}
