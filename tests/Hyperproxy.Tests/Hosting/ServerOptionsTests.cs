using Hyperproxy.Hosting;

namespace Hyperproxy.Tests.Hosting;

public sealed class ServerOptionsTests
{
    [Fact]
    public void DefaultsToLoopback5060()
    {
        ServerOptions o = ServerOptions.From([], null, null, null, 64, null, "data", "notice");
        Assert.Equal("udp:127.0.0.1:5060", Assert.Single(o.Listen).ToString());
        Assert.Null(o.Cpus);
        Assert.Equal(0, o.Workers);
    }

    [Fact]
    public void ListenTakesAnAdvertisedAddressAfterAs()
    {
        ServerOptions o = ServerOptions.From(["udp:127.0.0.1:5070 as 203.0.113.5:5060", "udp:[::1]:5070"], "edge.example.com",
            2, "0-1", 32, null, "data", "debug");
        Assert.Equal("203.0.113.5", o.Listen[0].Advertised!.Host);
        Assert.Equal(5060, o.Listen[0].Advertised!.Port);
        Assert.Equal("edge.example.com", o.Listen[1].Advertised!.Host);
        Assert.Equal(5070, o.Listen[1].Advertised!.Port); // the listen port when none given
        Assert.Equal([0, 1], o.Cpus);
        Assert.Equal(LogLevel.Debug, o.LogLevel);
    }

    [Theory]
    [InlineData("udp:1.2.3.4.5:7000", "'1.2.3.4.5' is not a numeric IPv4 address")]
    [InlineData("udp:::1:5060", "must be in brackets")]
    [InlineData("sctp:127.0.0.1:5060", "transport 'sctp' is not supported")]
    [InlineData("udp:127.0.0.1:70000", "out of range")]
    [InlineData("udp:127.0.0.1:5060 as ", "nothing after 'as'")]
    public void BadListenValuesSayWhatIsWrong(string listen, string message)
    {
        StartupException e = Assert.Throws<StartupException>(() => ServerOptions.From([listen], null, null, null, 64, null, "data", "notice"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("--listen", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadCpuListNamesTheFlag()
    {
        StartupException e = Assert.Throws<StartupException>(() => ServerOptions.From([], null, null, "0-", 64, null, "data", "notice"));
        Assert.StartsWith("--cpus '0-': ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("64M", 64L << 20)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("2097152", 2L << 20)]
    [InlineData("0", 0L)]
    public void CheckpointWalSizeTakesBytesOrBinaryUnits(string text, long bytes)
    {
        ServerOptions o = ServerOptions.From([], null, null, null, 64, null, "data", "notice", "sync", text);
        Assert.Equal(bytes, o.CheckpointWalBytes);
        Assert.Null(ServerOptions.From([], null, null, null, 64, null, "data", "notice").CheckpointWalBytes);
    }

    [Theory]
    [InlineData("64X")]
    [InlineData("-1")]
    [InlineData("100K")]
    [InlineData("")]
    public void BadCheckpointWalSizeNamesTheFlagAndTheMinimum(string text)
    {
        StartupException e = Assert.Throws<StartupException>(() => ServerOptions.From([], null, null, null, 64, null, "data", "notice", "sync", text));
        Assert.StartsWith($"--checkpoint-wal-size '{text}': not a WAL size", e.Message, StringComparison.Ordinal);
        Assert.Contains("at least 1M", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("error", LogLevel.Error)]
    [InlineData("WARN", LogLevel.Warning)]
    [InlineData("-3", LogLevel.Error)]
    [InlineData("-1", LogLevel.Error)]
    [InlineData("1", LogLevel.Warning)]
    [InlineData("2", LogLevel.Notice)]
    [InlineData("3", LogLevel.Info)]
    [InlineData("4", LogLevel.Debug)]
    public void LogLevelsByNameAndOpenSipsLogLevelNumber(string text, LogLevel level)
    {
        Assert.True(Log.TryParseLevel(text, out LogLevel parsed));
        Assert.Equal(level, parsed);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("-4")]
    [InlineData("loud")]
    public void LogLevelNumbersOutsideOpenSipsScaleAreRefused(string text) => Assert.False(Log.TryParseLevel(text, out _));

    [Fact]
    public void BadFlagValuesAreUsageErrors()
    {
        Assert.True(Assert.Throws<StartupException>(() => ServerOptions.From(["udp:x"], null, null, null, 64, null, "data", null)).IsUsage);
        Assert.True(Assert.Throws<StartupException>(() => ServerOptions.From([], null, null, null, 64, null, "data", null, "always")).IsUsage);
    }
}
