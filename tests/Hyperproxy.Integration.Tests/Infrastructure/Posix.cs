using System.Runtime.InteropServices;

namespace Hyperproxy.Integration.Tests.Infrastructure;

/// <summary>libc calls the tests need: <c>kill(2)</c>, because <see cref="System.Diagnostics.Process.Kill()"/> sends SIGKILL.</summary>
internal static partial class Posix
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when the process is gone.</summary>
    public static bool Signal(int pid, int signal) => Kill(pid, signal) == 0;
}
