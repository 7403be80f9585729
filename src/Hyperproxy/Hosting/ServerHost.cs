using System.Runtime.InteropServices;
using Hyperproxy.Transport;

namespace Hyperproxy.Hosting;

/// <summary>
/// Runs a <see cref="ProxyServer"/> in the foreground until SIGINT or SIGTERM. SIGHUP (a closed terminal, or an
/// operator's habit of asking for a reload) is logged and ignored, since there is no reload yet; SIGUSR1 logs the counters.
/// </summary>
public static class ServerHost
{
    /// <summary>SIGUSR1 on Linux; <see cref="PosixSignal"/> takes raw signal numbers for signals it does not name.</summary>
    private const PosixSignal SigUsr1 = (PosixSignal)10;

    public static int RunUntilSignalled(ServerOptions options, TextWriter output)
    {
        Log.Level = options.LogLevel;
        Log.Notice(VersionInfo.Describe());
        using var stop = new ManualResetEventSlim(false);
        ProxyServer? running = null;
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Signalled);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Signalled);
        using PosixSignalRegistration sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, HangUp);
        using PosixSignalRegistration? sigusr1 = OperatingSystem.IsLinux() ? PosixSignalRegistration.Create(SigUsr1, DumpCounters) : null;

        ProxyServer server;
        try
        {
            server = ProxyServer.Start(options);
        }
        catch (TransportException e) when (options.Cpus is not null && e.Message.StartsWith("CPU ", StringComparison.Ordinal))
        {
            throw new StartupException($"--cpus '{CpuList.Format([.. options.Cpus])}': {e.Message}", e);
        }
        catch (TransportException e)
        {
            throw new StartupException(e.Message, e);
        }

        using (server)
        {
            Volatile.Write(ref running, server);
            // Tests and scripts wait for this line: every socket is bound and every worker runs.
            output.WriteLine($"hyperproxy: ready, {server.Describe()}");
            output.Flush();
            bool byMi = WaitHandle.WaitAny([stop.WaitHandle, server.StopRequested.WaitHandle]) == 1;
            Volatile.Write(ref running, null);
            Log.Notice(byMi ? "MI shutdown, stopping" : "signal received, stopping");
        }

        Log.Notice("stopped");
        return 0;

        void Signalled(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Set();
        }

        static void HangUp(PosixSignalContext context)
        {
            context.Cancel = true;
            Log.Notice("SIGHUP: reload is not supported; ignored (SIGINT or SIGTERM stops the server)");
        }

        void DumpCounters(PosixSignalContext context)
        {
            context.Cancel = true;
            ProxyServer? current = Volatile.Read(ref running);
            Log.Notice(current is null ? "SIGUSR1: not serving yet; no counters" : "SIGUSR1: " + current.DescribeCounters());
        }
    }
}
