using Hyperproxy.Hosting;
using Hyperproxy.Location;
using Hyperproxy.Location.Faster;

namespace Hyperproxy.Tests.Hosting;

/// <summary>How the location store's durability settings reach it: the flag, else usrloc's modparam, else the default.</summary>
public sealed class LocationStoreSettingsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-store-settings-" + Guid.NewGuid().ToString("N"));

    public LocationStoreSettingsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Script(string modparams)
    {
        string file = Path.Combine(_dir, "hp.cfg");
        File.WriteAllText(file, "loadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\n" + modparams + "\nroute {\n    save(\"location\");\n}\n");
        return file;
    }

    [Theory]
    [InlineData("", null, LocationStoreOptions.DefaultCheckpointWalBytes)]
    [InlineData("modparam(\"usrloc\", \"checkpoint_wal_size\", \"8M\")", null, 8L << 20)]
    [InlineData("modparam(\"usrloc\", \"checkpoint_wal_size\", \"8M\")", "16MiB", 16L << 20)]
    [InlineData("modparam(\"usrloc\", \"checkpoint_wal_size\", \"8M\")", "0", 0L)]
    public void CheckpointWalSizeComesFromTheFlagElseUsrlocElseTheDefault(string modparams, string? flag, long expected)
    {
        ServerOptions options = ServerOptions.From(["udp:127.0.0.1:0"], null, 1, null, 16, Script(modparams), Path.Combine(_dir, "data"),
            "error", "sync", flag);
        using ProxyServer server = ProxyServer.Start(options);
        var store = Assert.IsType<FasterLocationStore>(server.LocationStore);
        Assert.Equal(Durability.Sync, store.Durability);
        Assert.Equal(expected, store.Options.CheckpointWalBytes);
    }

    [Theory]
    [InlineData("", null, Durability.Checkpoint)]
    [InlineData("modparam(\"usrloc\", \"durability\", \"none\")", null, Durability.None)]
    [InlineData("modparam(\"usrloc\", \"durability\", \"none\")", "sync", Durability.Sync)]
    public void DurabilityComesFromTheFlagElseUsrlocElseCheckpoint(string modparams, string? flag, Durability expected)
    {
        ServerOptions options = ServerOptions.From(["udp:127.0.0.1:0"], null, 1, null, 16, Script(modparams), Path.Combine(_dir, "data"),
            "error", flag);
        using ProxyServer server = ProxyServer.Start(options);
        var store = Assert.IsType<FasterLocationStore>(server.LocationStore);
        Assert.Equal(expected, store.Durability);
        Assert.Equal(expected != Durability.None, Directory.Exists(Path.Combine(_dir, "data", "location")));
    }

    [Theory]
    [InlineData("\"512K\"", "'512K' is not a WAL size")]
    [InlineData("\"lots\"", "'lots' is not a WAL size")]
    public void ABadUsrlocWalSizeStopsStartUpAtItsLine(string value, string message)
    {
        string file = Script("# settings\nmodparam(\"usrloc\", \"checkpoint_wal_size\", " + value + ")");
        StartupException e = Assert.Throws<StartupException>(() => ScriptSetup.Load(file));
        Assert.Contains(file + ":4:1: modparam usrloc checkpoint_wal_size: " + message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadUsrlocDurabilityStopsStartUpAtItsLine()
    {
        string file = Script("modparam(\"usrloc\", \"durability\", \"always\")");
        StartupException e = Assert.Throws<StartupException>(() => ScriptSetup.Load(file));
        Assert.Contains(file + ":3:1: modparam usrloc durability: 'always' is not a mode; use none, checkpoint or sync", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HashSizeAndTimerIntervalReachTheServersStore()
    {
        string file = Script("modparam(\"usrloc\", \"hash_size\", 18)\nmodparam(\"usrloc\", \"timer_interval\", 5)");
        ServerOptions options = ServerOptions.From(["udp:127.0.0.1:0"], null, 1, null, 16, file, Path.Combine(_dir, "data"), "error");
        using ProxyServer server = ProxyServer.Start(options);
        var store = Assert.IsType<FasterLocationStore>(server.LocationStore);
        Assert.Equal(1L << 18, store.Options.ExpectedAors);
        Assert.Equal(TimeSpan.FromSeconds(5), store.Options.PurgeInterval);
    }

    [Fact]
    public void ADatabaseUsrlocStopsStartUpAtItsLineSayingWhereBindingsLive()
    {
        string file = Script("modparam(\"usrloc\", \"db_mode\", 2)\nmodparam(\"usrloc\", \"db_url\", \"mysql://opensips:opensipsrw@localhost/opensips\")");
        StartupException e = Assert.Throws<StartupException>(() => ScriptSetup.Load(file));
        Assert.Contains(file + ":3:1: modparam usrloc db_mode: usrloc keeps bindings in its own store, not in a database; see --durability",
            e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IgnoreMissingModulesLetsTheServerStartWithADialogLine()
    {
        string file = Script("loadmodule \"dialog.so\"\nmodparam(\"dialog\", \"default_timeout\", 5)");
        ServerOptions refused = ServerOptions.From(["udp:127.0.0.1:0"], null, 1, null, 16, file, Path.Combine(_dir, "data"), "error");
        StartupException e = Assert.Throws<StartupException>(() => ProxyServer.Start(refused));
        Assert.Contains(file + ":3:12: module 'dialog' is not built into Hyperproxy", e.Message, StringComparison.Ordinal);

        ServerOptions ignoring = ServerOptions.From(["udp:127.0.0.1:0"], null, 1, null, 16, file, Path.Combine(_dir, "data"), "error",
            ignoreMissingModules: true);
        using ProxyServer server = ProxyServer.Start(ignoring);
        Assert.NotNull(server.LocationStore);
    }
}
