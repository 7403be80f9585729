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

    private readonly PeerProcess _process;

    public ServerProcess(IEnumerable<string> arguments, string workingDirectory) =>
        _process = new PeerProcess(Path.Combine(AppContext.BaseDirectory, "hyperproxy"), arguments, workingDirectory);

    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    /// <summary>Waits (bounded) for "hyperproxy: ready"; false when it exited or did not get there.</summary>
    public bool WaitReady(int milliseconds) =>
        SpinWait.SpinUntil(() => _process.HasExited || Output.Contains("hyperproxy: ready", StringComparison.Ordinal), milliseconds)
        && !_process.HasExited;

    /// <summary>SIGTERM, then waits for the exit; the exit code, or -999 when it did not end in time (then killed).</summary>
    public int Terminate(int milliseconds)
    {
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException("kill(SIGTERM) failed: errno " + Marshal.GetLastPInvokeError());
        }

        return _process.WaitForExit(milliseconds);
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
