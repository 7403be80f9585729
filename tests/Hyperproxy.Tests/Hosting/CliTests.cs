using Hyperproxy.Cli;

namespace Hyperproxy.Tests.Hosting;

public sealed class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = HyperproxyCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void VersionPrintsTheVersionAndRuntime()
    {
        (int code, string output, _) = Run("version");
        Assert.Equal(0, code);
        Assert.StartsWith("hyperproxy 0.1.0 (.NET ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void RunHelpDocumentsEveryFlag()
    {
        (int code, string output, _) = Run("run", "--help");
        Assert.Equal(0, code);
        foreach (string flag in new[] { "--listen", "--advertise", "--workers", "--cpus", "--batch", "--config", "--data-dir", "--durability", "--checkpoint-wal-size", "--log-level" })
        {
            Assert.Contains(flag, output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--workers", "0", "--workers: 0 is out of range")]
    [InlineData("--batch", "5000", "--batch: 5000 is out of range")]
    [InlineData("--log-level", "loud", "--log-level: 'loud' is not a level")]
    [InlineData("--checkpoint-wal-size", "12X", "--checkpoint-wal-size: '12X' is not a WAL size")]
    [InlineData("--workers", "many", "many")]
    public void BadFlagValuesNameTheFlagAndWhy(string flag, string value, string message)
    {
        (int code, _, string error) = Run("run", flag, value);
        Assert.NotEqual(0, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFlagIsRefused()
    {
        (int code, _, string error) = Run("run", "--frobnicate");
        Assert.NotEqual(0, code);
        Assert.Contains("--frobnicate", error, StringComparison.Ordinal);
    }

    [Fact]
    public void BadListenStopsStartUpWithTheReason()
    {
        (int code, _, string error) = Run("run", "--listen", "udp:localhost:5060");
        Assert.Equal(1, code);
        Assert.Contains("hyperproxy: --listen 'udp:localhost:5060': 'localhost' is not a numeric IPv4 address", error, StringComparison.Ordinal);
    }
}
