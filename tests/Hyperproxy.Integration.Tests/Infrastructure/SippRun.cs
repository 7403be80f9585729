using System.Globalization;
using System.Text.RegularExpressions;

namespace Hyperproxy.Integration.Tests.Infrastructure;

/// <summary>What one SIPp run did: its exit code (0 = every call succeeded) and the final screen's call counts.</summary>
internal sealed record SippResult(ToolResult Run, long Successful, long Failed, string Screen)
{
    public override string ToString() => $"{Run}\n--- screen\n{Screen}";
}

/// <summary>
/// Runs SIPp 3.6 in the foreground with no stdin, a global timeout that counts as failure, and the
/// final statistics screen written to a file in a per-run folder (the counts are read from it).
/// </summary>
internal static partial class SippRun
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);

    /// <summary>A folder for SIPp's files, removed by the caller.</summary>
    public static string NewWorkFolder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hp-sipp-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "Scenarios", name);

    /// <summary>
    /// Starts sipp with <paramref name="args"/> plus <c>-nostdin -timeout SECONDS -timeout_error -trace_screen</c>;
    /// <paramref name="name"/> names its screen and message files in <paramref name="folder"/>.
    /// </summary>
    public static Task<SippResult> RunAsync(string folder, string name, int timeoutSeconds, params string[] args)
    {
        string screen = Path.Combine(folder, name + ".screen");
        string[] all =
        [
            .. args,
            "-nostdin",
            "-timeout", timeoutSeconds.ToString(CultureInfo.InvariantCulture) + "s",
            "-timeout_error",
            "-trace_screen", "-screen_file", screen,
            "-trace_err", "-error_file", Path.Combine(folder, name + ".errors"),
        ];
        return RunCoreAsync(folder, screen, all);
    }

    /// <summary>Waits (bounded, 10 s) until a SIPp callee has bound its UDP port, so the first INVITE is not lost.</summary>
    public static async Task WaitListeningAsync(int port, Task<SippResult> uas)
    {
        if (!await WaitListeningAsync(port, () => uas.IsCompleted))
        {
            Assert.Fail("the SIPp callee exited before it was listening\n" + await uas);
        }
    }

    /// <summary>As above for a callee started by other means: false when <paramref name="exited"/> turns true first.</summary>
    public static async Task<bool> WaitListeningAsync(int port, Func<bool> exited)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Ports.IsFree(System.Net.IPAddress.Loopback, port))
        {
            if (exited())
            {
                return false;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the SIPp callee did not bind 127.0.0.1:{port} within 10 s");
            await Task.Delay(20); // polling interval of a bounded wait, not a synchronisation sleep
        }

        return true;
    }

    private static async Task<SippResult> RunCoreAsync(string folder, string screenFile, string[] args)
    {
        ToolResult run = await ToolRun.RunAsync("sipp", args, Bound, folder);
        string screen = File.Exists(screenFile) ? await File.ReadAllTextAsync(screenFile) : "(no screen file)";
        string errors = Path.ChangeExtension(screenFile, ".errors");
        if (File.Exists(errors))
        {
            screen += "\n--- errors\n" + await File.ReadAllTextAsync(errors);
        }

        return new SippResult(run, LastCount(SuccessfulLine(), screen), LastCount(FailedLine(), screen), screen);
    }

    /// <summary>The cumulative column of the last matching line of the screen dump; -1 when absent.</summary>
    private static long LastCount(Regex line, string screen)
    {
        MatchCollection matches = line.Matches(screen);
        return matches.Count == 0 ? -1 : long.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"Successful call\s*\|\s*\d+\s*\|\s*(\d+)")]
    private static partial Regex SuccessfulLine();

    [GeneratedRegex(@"Failed call\s*\|\s*\d+\s*\|\s*(\d+)")]
    private static partial Regex FailedLine();
}
