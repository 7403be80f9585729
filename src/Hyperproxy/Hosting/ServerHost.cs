using System.Runtime.InteropServices;
using Hyperproxy.Transport;

namespace Hyperproxy.Hosting;

/// <summary>Runs a <see cref="ProxyServer"/> in the foreground until SIGINT or SIGTERM.</summary>
public static class ServerHost
{
    public static int RunUntilSignalled(ServerOptions options, TextWriter output)
    {
        Log.Level = options.LogLevel;
        Log.Notice(VersionInfo.Describe());
        using var stop = new ManualResetEventSlim(false);
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Signalled);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Signalled);

        ProxyServer server;
        try
        {
            server = ProxyServer.Start(options);
        }
        catch (TransportException e)
        {
            throw new StartupException(e.Message, e);
        }

        using (server)
        {
            // Tests and scripts wait for this line: every socket is bound and every worker runs.
            output.WriteLine($"hyperproxy: ready, {server.Describe()}");
            output.Flush();
            stop.Wait();
            Log.Notice("signal received, stopping");
        }

        Log.Notice("stopped");
        return 0;

        void Signalled(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Set();
        }
    }
}
