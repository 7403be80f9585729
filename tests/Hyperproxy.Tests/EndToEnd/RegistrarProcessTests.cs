using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// The registrar in the real server process: sipsak's usrloc mode against it, and crash recovery — N bindings
/// acknowledged in sync durability survive a SIGKILL and are found after the restart.
/// </summary>
public sealed class RegistrarProcessTests : IDisposable
{
    private const int Bindings = 200;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-reg-proc-" + Guid.NewGuid().ToString("N"));

    public RegistrarProcessTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Script(int port) => RegisterClient.RegistrarScript(port, """
                if (is_method("ACK")) {
                    exit;
                }
                if (!lookup("location")) {
                    sl_send_reply(404, "Not Found");
                    exit;
                }
                forward();
            """);

    [Fact]
    public void SipsakUsrlocModeSucceeds()
    {
        // sipsak truncates five-digit ports: stay in 7000-9999.
        using ServerProcess server = StartServer("none", FourDigitPort);
        using var sipsak = new PeerProcess("sipsak", ["-U", "-vv", "-s", $"sip:user@127.0.0.1:{server.Port}"], _dir);
        int exit = sipsak.WaitForExit(30_000);
        Assert.True(exit == 0, "sipsak: " + sipsak.Output + "\nserver:\n" + server.Output);
        Assert.Contains("All usrloc tests completed successful", sipsak.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void AcknowledgedSyncBindingsSurviveSigkill()
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = 2000;
        using (ServerProcess first = StartServer("sync"))
        {
            var server = new IPEndPoint(IPAddress.Loopback, first.Port);
            for (int i = 0; i < Bindings; i++)
            {
                string reply = RegisterClient.Exchange(client, server, RegisterClient.Register("reg", i, withContact: true, cseq: 1));
                Assert.StartsWith("SIP/2.0 200 OK", reply, StringComparison.Ordinal);
            }
        } // Dispose kills with SIGKILL: no final checkpoint, no clean close

        // The restart may get another port: bindings are per AoR, not per listening socket.
        using ServerProcess second = StartServer("sync");
        var restarted = new IPEndPoint(IPAddress.Loopback, second.Port);
        Assert.Contains($"loaded {Bindings} AoRs, {Bindings} contacts", second.Output, StringComparison.Ordinal);
        for (int i = 0; i < Bindings; i++)
        {
            string reply = RegisterClient.Exchange(client, restarted, RegisterClient.Register("reg", i, withContact: false, cseq: 2));
            Assert.Contains($"Contact: <sip:u{i}@127.0.0.1:{5000 + i}>;expires=", reply, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ASecondServerOnTheSameDataFolderIsRefusedAtStartUpNamingIt()
    {
        using ServerProcess first = StartServer("sync");
        var failure = Assert.ThrowsAny<Exception>(() => StartServer("checkpoint"));
        Assert.Contains("is in use by another process", failure.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_dir, "data", "location"), failure.Message, StringComparison.Ordinal);

        // The first goes on serving.
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = 2000;
        string reply = RegisterClient.Exchange(client, new IPEndPoint(IPAddress.Loopback, first.Port), RegisterClient.Register("dup", 1, withContact: true, cseq: 1));
        Assert.StartsWith("SIP/2.0 200 OK", reply, StringComparison.Ordinal);
    }

    private ServerProcess StartServer(string durability, Func<int>? freePort = null) =>
        ServerProcess.StartScript(Script, _dir, durability, freePort);

    private static int FourDigitPort()
    {
        for (int p = 7000 + Random.Shared.Next(2000); p < 9999; p++)
        {
            try
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                s.Bind(new IPEndPoint(IPAddress.Loopback, p));
                return p;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free port in 7000-9999");
    }
}
