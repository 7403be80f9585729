using System.Runtime.InteropServices;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// The hyperproxy server as a child process that a test can stop the way an operator or a crash does:
/// SIGTERM (clean shutdown, final checkpoint) or SIGKILL. Output is collected for assertion messages.
/// </summary>
internal sealed partial class ServerProcess : IDisposable
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private const int PortAttempts = 8;
    private const int ReadyMilliseconds = 30_000;

    private readonly PeerProcess _process;

    private ServerProcess(IEnumerable<string> arguments, string workingDirectory, int port)
    {
        _process = new PeerProcess(Path.Combine(AppContext.BaseDirectory, "hyperproxy"), arguments, workingDirectory);
        Port = port;
    }

    /// <summary>The UDP port the server was started on.</summary>
    public int Port { get; }

    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <c>hyperproxy ARGS(port)</c> on a port from <paramref name="freePort"/> (by default any free one) and
    /// waits (bounded) for "hyperproxy: ready". Tests in other classes and assemblies bind ports at the same time, so
    /// a port free a moment ago can be taken before the server binds it: then another port is tried. Any other
    /// failure to start fails the test with the server's output.
    /// </summary>
    private static ServerProcess Start(Func<int, IEnumerable<string>> arguments, string workingDirectory, Func<int>? freePort = null)
    {
        string output = "";
        for (int attempt = 0; attempt < PortAttempts; attempt++)
        {
            int port = (freePort ?? PeerProcess.FreeUdpPort)();
            var server = new ServerProcess(arguments(port), workingDirectory, port);
            if (server.WaitReady(ReadyMilliseconds))
            {
                return server;
            }

            output = server.Output;
            server.Dispose();
            if (!output.Contains("address already in use", StringComparison.Ordinal))
            {
                break;
            }
        }

        throw new Xunit.Sdk.XunitException("server did not start:\n" + output);
    }

    /// <summary>
    /// <c>hyperproxy run</c> on the script <paramref name="script"/>(port), written to the folder, with its store in
    /// <c>folder/data</c> (the same store on every start, so a restart recovers it) and <paramref name="durability"/>,
    /// plus <paramref name="extraArguments"/> (e.g. <c>--cpus 0</c>); a null durability gives no <c>--durability</c>.
    /// </summary>
    public static ServerProcess StartScript(Func<int, string> script, string folder, string? durability, Func<int>? freePort = null,
        params string[] extraArguments) =>
        Start(
            port =>
            {
                string config = Path.Combine(folder, $"hyperproxy-{port}.cfg");
                File.WriteAllText(config, script(port));
                string[] mode = durability is null ? [] : ["--durability", durability];
                return ["run", "--config", config, "--data-dir", Path.Combine(folder, "data"), .. mode, .. extraArguments];
            },
            folder,
            freePort);

    /// <summary>Waits (bounded) for "hyperproxy: ready"; false when it exited (its output then complete) or did not get there.</summary>
    private bool WaitReady(int milliseconds)
    {
        SpinWait.SpinUntil(() => _process.HasExited || Output.Contains("hyperproxy: ready", StringComparison.Ordinal), milliseconds);
        if (_process.HasExited)
        {
            // The exit can be seen before the last lines are read: wait for the end of the output.
            _process.WaitForExit(milliseconds);
            return false;
        }

        return Output.Contains("hyperproxy: ready", StringComparison.Ordinal);
    }

    /// <summary>SIGTERM, then waits for the exit; the exit code, or -999 when it did not end in time (then killed).</summary>
    public int Terminate(int milliseconds)
    {
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException("kill(SIGTERM) failed: errno " + Marshal.GetLastPInvokeError());
        }

        return _process.WaitForExit(milliseconds);
    }

    /// <summary>Sends <paramref name="signal"/> (a Linux signal number) to the server.</summary>
    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({signal}) failed: errno " + Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Waits (bounded) until the output contains <paramref name="text"/>; false when it did not come or the server exited first.</summary>
    public bool WaitForOutput(string text, int milliseconds)
    {
        SpinWait.SpinUntil(() => _process.HasExited || Output.Contains(text, StringComparison.Ordinal), milliseconds);
        return Output.Contains(text, StringComparison.Ordinal);
    }

    /// <summary>SIGKILL: no final checkpoint, no clean close; waits for the process to be gone.</summary>
    public void Crash()
    {
        Kill(_process.Id, SigKill);
        _process.WaitForExit(10_000);
    }

    public void Dispose() => _process.Dispose();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
