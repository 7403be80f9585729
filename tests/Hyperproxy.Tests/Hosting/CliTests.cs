using Hyperproxy.Cli;
using Hyperproxy.Hosting;

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
        foreach (string flag in new[] { "--listen", "--advertise", "--workers", "--cpus", "--batch", "--config", "--data-dir", "--durability", "--checkpoint-wal-size", "--log-level", "--dns-server" })
        {
            Assert.Contains(flag, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void BareHyperproxyPrintsTheUsageWithTheUsageExitCode()
    {
        (int code, string output, string error) = Run();
        Assert.Equal(HyperproxyCli.UsageExit, code);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("check-config", output, StringComparison.Ordinal);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("--workers", "0", "out of range; it takes 1 to 1024")]
    [InlineData("--workers", "many", "not a whole number; it takes 1 to 1024")]
    [InlineData("--batch", "5000", "out of range; it takes 1 to 1024")]
    [InlineData("--log-level", "loud", "not a level; use error, warning, notice, info or debug, or OpenSIPS's log_level number: -3..-1 error, 1 warning, 2 notice, 3 info, 4 debug")]
    [InlineData("--log-level", "5", "not a level; use error")]
    [InlineData("--durability", "always", "not a mode; use none, checkpoint or sync")]
    [InlineData("--checkpoint-wal-size", "12X", "not a WAL size; use 0 (checkpoints on the timer only)")]
    [InlineData("--cpus", "x", "not a CPU number or range (expected N, N-M or a list such as 0,2-3)")]
    [InlineData("--listen", "udp:localhost:5060", "'localhost' is not a numeric IPv4 address")]
    [InlineData("--dns-server", "ns1.example.com", "not an IP address or IP:PORT")]
    public void ABadFlagValueIsOneUsageLineNamingTheFlagTheValueAndWhy(string flag, string value, string why)
    {
        (int code, _, string error) = Run("run", flag, value);
        Assert.Equal(HyperproxyCli.UsageExit, code);
        Assert.StartsWith($"hyperproxy: {flag} '{value}': {why}", OneLine(error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hyperproxy: --frobnicate: not a flag of 'run'; see 'hyperproxy run --help'", "run", "--frobnicate")]
    [InlineData("hyperproxy: 'frobnicate': not a command; use run, version, check-config, default-config, modules or ctl", "frobnicate")]
    [InlineData("hyperproxy: 'extra': unexpected argument to 'run'; see 'hyperproxy run --help'", "run", "extra")]
    [InlineData("hyperproxy: --workers: needs a value (N)", "run", "--workers")]
    [InlineData("hyperproxy: check-config: needs FILE; see 'hyperproxy check-config --help'", "check-config")]
    public void ACommandLineMistakeIsOneUsageLine(string expected, params string[] args)
    {
        (int code, _, string error) = Run(args);
        Assert.Equal(HyperproxyCli.UsageExit, code);
        Assert.Equal(expected, OneLine(error));
    }

    [Fact]
    public void AMissingScriptReadsTheSameInRunAndCheckConfigWithTheOsReason()
    {
        string missing = Path.Combine(Path.GetTempPath(), "hp-missing-" + Guid.NewGuid().ToString("N") + ".cfg");

        (int runCode, _, string runError) = Run("run", "--config", missing, "--listen", "udp:127.0.0.1:0");
        (int checkCode, _, string checkError) = Run("check-config", missing);

        Assert.Equal(HyperproxyCli.FailureExit, runCode);
        Assert.Equal(HyperproxyCli.FailureExit, checkCode);
        Assert.Equal($"hyperproxy: --config '{missing}': cannot read the script: No such file or directory", OneLine(runError));
        Assert.Equal($"hyperproxy: check-config '{missing}': cannot read the script: No such file or directory", OneLine(checkError));
    }

    [Fact]
    public void LogLevelHelpShowsTheLevelsTheDefaultScriptDocuments()
    {
        (_, string output, _) = Run("run", "--help");
        string help = string.Join(' ', output.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

        Assert.Contains(Log.LevelsHelp, help, StringComparison.Ordinal);
        Assert.Contains("-3..-1 error, 1 warning, 2 notice, 3 info, 4 debug", Hyperproxy.Script.ScriptLoader.DefaultScriptText, StringComparison.Ordinal);
        Assert.Contains("-3..-1 error, 1 warning, 2 notice, 3 info, 4 debug", Log.LevelsHelp, StringComparison.Ordinal);
    }

    /// <summary>The error output must be exactly one line: no blank lines, no .NET type names.</summary>
    private static string OneLine(string error)
    {
        string[] lines = error.Split('\n');
        Assert.True(lines.Length == 2 && lines[1].Length == 0, "expected one line:\n" + error);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
        return lines[0].TrimEnd('\r');
    }
}
