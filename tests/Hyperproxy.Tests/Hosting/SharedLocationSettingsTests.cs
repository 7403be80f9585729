using Hyperproxy.Hosting;
using Hyperproxy.Location;
using Hyperproxy.Location.Faster;
using Hyperproxy.Location.Redis;
using Hyperproxy.Tests.Shared;

namespace Hyperproxy.Tests.Hosting;

/// <summary>usrloc cluster_mode / cachedb_url, cachedb_redis and --location-store: what starts a Redis store and what is refused.</summary>
public sealed class SharedLocationSettingsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-shared-settings-" + Guid.NewGuid().ToString("N"));

    public SharedLocationSettingsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Script(string lines)
    {
        string file = Path.Combine(_dir, "hp.cfg");
        File.WriteAllText(file, "loadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\n" + lines + "\nroute {\n    save(\"location\");\n}\n");
        return file;
    }

    private ServerOptions Options(string file, string? durability = null, string? locationStore = null) =>
        ServerOptions.From(["udp:127.0.0.1:0"], null, 1, null, 16, file, Path.Combine(_dir, "data"), "error", durability,
            locationStore: locationStore);

    [Theory]
    [InlineData("federation", "cluster_mode \"federation\" is not supported")]
    [InlineData("full-sharing", "cluster_mode \"full-sharing\" is not supported")]
    [InlineData("sql-only", "cluster_mode \"sql-only\" is not supported: Hyperproxy has no SQL back-end")]
    [InlineData("everything", "'everything' is not a cluster mode")]
    public void UnsupportedClusterModesStopStartUpAtTheirLine(string mode, string message)
    {
        string file = Script($"modparam(\"usrloc\", \"cluster_mode\", \"{mode}\")");
        StartupException e = Assert.Throws<StartupException>(() => ScriptSetup.Load(file));
        Assert.Contains(file + ":3:1: modparam usrloc cluster_mode: " + message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANonRedisCachedbUrlStopsStartUpAtItsLine()
    {
        string file = Script("modparam(\"usrloc\", \"cachedb_url\", \"mongodb://10.0.0.4:27017/opensipsDB.userlocation\")");
        StartupException e = Assert.Throws<StartupException>(() => ScriptSetup.Load(file));
        Assert.Contains(file + ":3:1: modparam usrloc cachedb_url: 'mongodb://10.0.0.4:27017/opensipsDB.userlocation' is not a Redis URL",
            e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("modparam(\"usrloc\", \"cluster_mode\", \"full-sharing-cachedb\")", "needs modparam(\"usrloc\", \"cachedb_url\"")]
    [InlineData("modparam(\"usrloc\", \"cachedb_url\", \"redis://127.0.0.1:1/\")", "cachedb_url is set but cluster_mode is \"none\"")]
    [InlineData("modparam(\"usrloc\", \"cluster_mode\", \"full-sharing-cachedb\")\nmodparam(\"usrloc\", \"cachedb_url\", \"redis://127.0.0.1:1/\")",
        "needs loadmodule \"cachedb_redis.so\"")]
    [InlineData("loadmodule \"cachedb_redis.so\"\nmodparam(\"usrloc\", \"cluster_mode\", \"full-sharing-cachedb\")\n"
        + "modparam(\"usrloc\", \"cachedb_url\", \"redis://127.0.0.1:1/\")\nmodparam(\"usrloc\", \"durability\", \"checkpoint\")",
        "durability checkpoint applies to the embedded store; with a Redis location store use sync")]
    [InlineData("loadmodule \"cachedb_redis.so\"\nmodparam(\"usrloc\", \"cluster_mode\", \"full-sharing-cachedb\")\n"
        + "modparam(\"usrloc\", \"cachedb_url\", \"redis://127.0.0.1:1/\")\nmodparam(\"usrloc\", \"checkpoint_wal_size\", \"8M\")",
        "checkpoint_wal_size applies to the embedded store")]
    public void IncompleteClusterSettingsStopStartUp(string lines, string message)
    {
        StartupException e = Assert.Throws<StartupException>(() => ProxyServer.Start(Options(Script(lines))));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClusterModeWithCachedbRedisOpensTheRedisStoreAndTheFlagCanForceFaster()
    {
        using RedisServer redis = RedisServer.Start();
        string file = Script("loadmodule \"cachedb_redis.so\"\nmodparam(\"usrloc\", \"cluster_mode\", \"full-sharing-cachedb\")\n"
            + $"modparam(\"usrloc\", \"cachedb_url\", \"{redis.Url}\")\nmodparam(\"cachedb_redis\", \"query_timeout\", 750)");
        using (ProxyServer server = ProxyServer.Start(Options(file)))
        {
            var store = Assert.IsType<RedisLocationStore>(server.LocationStore);
            Assert.True(store.IsConnected);
            Assert.Equal(TimeSpan.FromMilliseconds(750), store.Options.QueryTimeout);
            Assert.Equal(Durability.None, store.Durability);
        }

        using (ProxyServer server = ProxyServer.Start(Options(file, durability: "sync")))
        {
            var store = Assert.IsType<RedisLocationStore>(server.LocationStore);
            Assert.True(store.Options.WaitForReplica);
            Assert.Equal(Durability.Sync, store.Durability);
        }

        using (ProxyServer server = ProxyServer.Start(Options(file, locationStore: "faster")))
        {
            Assert.IsType<FasterLocationStore>(server.LocationStore);
        }
    }

    [Fact]
    public void TheFlagAloneOpensTheRedisStore()
    {
        using RedisServer redis = RedisServer.Start();
        using ProxyServer server = ProxyServer.Start(Options(Script(""), locationStore: redis.Url));
        Assert.IsType<RedisLocationStore>(server.LocationStore);
    }

    [Theory]
    [InlineData("mysql://x/", "not a Redis URL")]
    [InlineData("redis://h:0/", "is not HOST[:PORT]")]
    public void ABadLocationStoreFlagNamesTheFlag(string value, string message)
    {
        StartupException e = Assert.Throws<StartupException>(() => Options("x.cfg", locationStore: value));
        Assert.StartsWith($"--location-store '{value}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
