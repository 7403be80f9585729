using System.Net;
using System.Net.Sockets;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>The test harness itself: a port taken between picking and binding costs a retry, not a failed test.</summary>
public sealed class ServerProcessTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-server-process-" + Guid.NewGuid().ToString("N"));

    public ServerProcessTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void APortTakenBeforeTheServerBindsItIsReplacedByAnother()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int taken = ((IPEndPoint)holder.LocalEndPoint!).Port;
        int picks = 0;

        using ServerProcess server = ServerProcess.StartScript(
            port => $"socket = udp:127.0.0.1:{port}\nroute {{\n    drop;\n}}\n",
            _dir,
            "none",
            () => picks++ == 0 ? taken : PeerProcess.FreeUdpPort());

        Assert.True(picks >= 2, $"{picks} port(s) picked"); // 2 unless the next free port was taken too
        Assert.NotEqual(taken, server.Port);
        Assert.False(server.HasExited);
    }

    [Fact]
    public void AServerThatFailsForAnotherReasonIsNotRetriedAndItsOutputIsShown()
    {
        int picks = 0;
        var failure = Assert.ThrowsAny<Exception>(() => ServerProcess.StartScript(
            port => $"socket = udp:127.0.0.1:{port}\nroute {{\n    no_such_function();\n}}\n",
            _dir,
            "none",
            () => { picks++; return PeerProcess.FreeUdpPort(); }));

        Assert.Equal(1, picks);
        Assert.Contains("no_such_function", failure.Message, StringComparison.Ordinal);
    }
}
