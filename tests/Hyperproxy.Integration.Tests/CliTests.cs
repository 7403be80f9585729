using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests;

/// <summary>The hyperproxy executable as an operator meets it: version, help, start-up errors, signals.</summary>
public sealed class CliTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task VersionPrintsTheVersionAndExitsZero()
    {
        ToolResult r = await Hyperproxy("version");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(new Regex(@"^hyperproxy \d+\.\d+\.\d+"), r.Output);
    }

    [Fact]
    public async Task RunHelpListsEveryFlag()
    {
        ToolResult r = await Hyperproxy("run", "--help");

        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (string flag in new[] { "--listen", "--advertise", "--workers", "--cpus", "--batch", "--config", "--data-dir", "--log-level" })
        {
            Assert.Contains(flag, r.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RunRejectsAListenAddressThatIsNotAnAddressAndNamesIt()
    {
        ToolResult r = await Hyperproxy("run", "--listen", "udp:1.2.3.4.5:7000");

        AssertRefused(r, "1.2.3.4.5");
        Assert.Contains("--listen", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsksForBracketsAroundAnIpv6ListenAddress()
    {
        ToolResult r = await Hyperproxy("run", "--listen", "udp:::1:5060");

        AssertRefused(r, "must be in brackets");
    }

    [Fact]
    public async Task RunReportsAPortAlreadyInUse()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)holder.LocalEndPoint!).Port;

        ToolResult r = await Hyperproxy("run", "--listen", $"udp:127.0.0.1:{port}", "--workers", "1");

        AssertRefused(r, "already in use");
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunRejectsZeroWorkersNamingTheFlag()
    {
        ToolResult r = await Hyperproxy("run", "--listen", "udp:127.0.0.1:7000", "--workers", "0");

        AssertRefused(r, "--workers");
        AssertOneErrorLine(r);
    }

    [Fact]
    public async Task RunRejectsACpuThatIsNotPresentNamingTheCpu()
    {
        int missing = Environment.ProcessorCount + 7;

        ToolResult r = await Hyperproxy("run", "--listen", "udp:127.0.0.1:7000", "--cpus", missing.ToString(System.Globalization.CultureInfo.InvariantCulture));

        AssertRefused(r, $"CPU {missing}");
    }

    [Fact]
    public async Task RunRejectsAnUnknownLogLevel()
    {
        ToolResult r = await Hyperproxy("run", "--listen", "udp:127.0.0.1:7000", "--log-level", "loud");

        AssertRefused(r, "--log-level");
        Assert.Contains("loud", r.Error, StringComparison.Ordinal);
        AssertOneErrorLine(r);
    }

    [Fact]
    public async Task RunRejectsABatchOutOfRange()
    {
        ToolResult r = await Hyperproxy("run", "--listen", "udp:127.0.0.1:7000", "--batch", "0");

        AssertRefused(r, "--batch");
    }

    [Theory]
    [InlineData(Posix.SigTerm)]
    [InlineData(Posix.SigInt)]
    public async Task SignalStopsTheServerWithExitCodeZeroAndLogsItsCounters(int signal)
    {
        HyperproxyProcess server = await HyperproxyProcess.StartOnFreePortAsync(ipv6: true, workers: 2);
        await using (server)
        {
            Assert.Contains($"udp:127.0.0.1:{server.Port}", server.ReadyLine, StringComparison.Ordinal);
            Assert.Contains($"udp:[::1]:{server.Port}", server.ReadyLine, StringComparison.Ordinal);
            Assert.Contains("2 worker(s)", server.ReadyLine, StringComparison.Ordinal);

            var clock = System.Diagnostics.Stopwatch.StartNew();
            int exit = await server.StopAsync(signal);

            Assert.True(exit == 0, $"exit {exit}\n{server}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {clock.Elapsed}");
            Assert.Contains("stopped", server.StandardError, StringComparison.Ordinal);
            ServerCounters.Parse(server.StandardError);
        }

        // The port is free again once the server is gone.
        Assert.True(Ports.IsFree(IPAddress.Loopback, server.Port), "the listen port is still bound after exit");
    }

    private static Task<ToolResult> Hyperproxy(params string[] args) =>
        ToolRun.RunAsync("dotnet", [HyperproxyProcess.DllPath, .. args], s_bound);

    private static void AssertRefused(ToolResult r, string expected)
    {
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode != 0, "expected a non-zero exit\n" + r);
        Assert.DoesNotContain("ready", r.Output, StringComparison.Ordinal);
        Assert.Contains(expected, r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal); // no stack trace
    }

    private static void AssertOneErrorLine(ToolResult r)
    {
        string[] lines = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, "expected a one-line message on stderr\n" + r);
    }
}
