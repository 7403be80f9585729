using System.Diagnostics;
using System.Text;

namespace Hyperproxy.Integration.Tests.Infrastructure;

/// <summary>The outcome of one external program run: exit code and everything it printed.</summary>
internal sealed record ToolResult(string Command, int ExitCode, string Output, string Error, bool TimedOut, TimeSpan Elapsed)
{
    /// <summary>Both streams, for assertions that do not care where a line went.</summary>
    public string All => Output + Error;

    public override string ToString() =>
        $"{Command}\nexit {ExitCode}{(TimedOut ? " (timed out, killed)" : "")} after {Elapsed.TotalMilliseconds:F0} ms\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs an external program (sipsak, sipp, the server for its start-up errors) with a hard time bound.</summary>
internal static class ToolRun
{
    public static async Task<ToolResult> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan bound, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        string command = program + " " + string.Join(" ", arguments);
        var output = new StringBuilder();
        var error = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(error, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        bool timedOut = false;
        using (var cts = new CancellationTokenSource(bound))
        {
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }

        // Drains the asynchronous readers once the process is gone (bounded: the pipes are closed).
        process.WaitForExit(5000);
        clock.Stop();
        return new ToolResult(command, process.HasExited ? process.ExitCode : -1, Read(output), Read(error), timedOut, clock.Elapsed);
    }

    public static Task<ToolResult> RunAsync(string program, params string[] arguments) =>
        RunAsync(program, arguments, TimeSpan.FromSeconds(30));

    /// <summary>One output line into a sink shared with the reader thread (null ends the stream).</summary>
    internal static void Append(StringBuilder sink, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sink)
        {
            sink.Append(line).Append('\n');
        }
    }

    internal static string Read(StringBuilder sink)
    {
        lock (sink)
        {
            return sink.ToString();
        }
    }
}
