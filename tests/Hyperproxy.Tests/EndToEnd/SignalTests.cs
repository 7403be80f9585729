using System.Net;
using System.Net.Sockets;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// Signals other than SIGINT/SIGTERM against the real server process: SIGHUP (sent when a terminal closes, or by
/// an operator used to reloading OpenSIPS) is logged and ignored, SIGUSR1 logs the counters; neither stops it.
/// </summary>
public sealed class SignalTests : IDisposable
{
    private const int SigHup = 1;
    private const int SigUsr1 = 10;
    private const int Wait = 30_000;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-signals-" + Guid.NewGuid().ToString("N"));

    public SignalTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Script(int port) => $$"""
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        loadmodule "sl.so"
        route {
            sl_send_reply(200, "OK");
        }
        """;

    [Fact]
    public void SighupIsLoggedAndIgnoredAndTheServerKeepsAnswering()
    {
        using ServerProcess server = ServerProcess.StartScript(Script, _dir, "none");

        server.Signal(SigHup);

        Assert.True(server.WaitForOutput("SIGHUP: reload is not supported; ignored", Wait), server.Output);
        Assert.False(server.HasExited, server.Output);
        Assert.StartsWith("SIP/2.0 200 OK", Ping(server), StringComparison.Ordinal);
        Assert.Equal(0, server.Terminate(Wait));
        Assert.Contains("stopped", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Sigusr1LogsTheCountersAndTheServerKeepsRunning()
    {
        using ServerProcess server = ServerProcess.StartScript(Script, _dir, "none");
        Assert.StartsWith("SIP/2.0 200 OK", Ping(server), StringComparison.Ordinal);

        server.Signal(SigUsr1);

        Assert.True(server.WaitForOutput("SIGUSR1: counters: requests ", Wait), server.Output);
        Assert.DoesNotContain("SIGUSR1: counters: requests 0,", server.Output, StringComparison.Ordinal);
        Assert.False(server.HasExited, server.Output);
        Assert.Equal(0, server.Terminate(Wait));
    }

    private static string Ping(ServerProcess server)
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = 2000;
        return RegisterClient.Exchange(client, new IPEndPoint(IPAddress.Loopback, server.Port), RegisterClient.Register("signal", 1, withContact: false, cseq: 1));
    }
}
