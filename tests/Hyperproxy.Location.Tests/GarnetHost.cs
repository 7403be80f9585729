using System.Net;
using System.Net.Sockets;
using Garnet;

namespace Hyperproxy.Location.Tests;

/// <summary>
/// Garnet (Microsoft.Garnet) embedded in the test process as a second Redis-protocol server, on a free loopback
/// port, in memory. Lua is off in Garnet by default: <c>--lua</c> turns it on, and <c>--lua-transaction-mode</c>
/// makes a script run with its keys locked — without it a Garnet script is not atomic against other clients,
/// and the store's compare-and-set needs it to be.
/// </summary>
internal sealed class GarnetHost : IDisposable
{
    private readonly GarnetServer _server;

    private GarnetHost(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    public string Url => $"redis://127.0.0.1:{Port}/";

    public static GarnetHost Start()
    {
        // Garnet serves on the test process's thread pool, which the other tests of the assembly keep busy (and
        // block): enough threads up front so that its answers are not held back past the clients' timeouts.
        ThreadPool.GetMinThreads(out int workers, out int io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
        for (int attempt = 0; attempt < 20; attempt++)
        {
            int port = Random.Shared.Next(30000, 40000);
            if (!IsFree(port))
            {
                continue;
            }

            GarnetServer? server = null;
            try
            {
                server = new GarnetServer(["--port", port.ToString(), "--bind", "127.0.0.1", "--lua", "--lua-transaction-mode",
                    "--memory", "64m", "--index", "1m", "--logger-level", "Warning"]);
                server.Start();
                return new GarnetHost(server, port);
            }
            catch (Exception e) when (e is SocketException or IOException || e.InnerException is SocketException)
            {
                server?.Dispose();
            }
        }

        throw new InvalidOperationException("could not start Garnet on a free port");
    }

    public void Dispose() => _server.Dispose();

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
