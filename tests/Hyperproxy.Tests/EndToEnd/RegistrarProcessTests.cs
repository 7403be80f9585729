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

    private static string Script(int port) => $$"""
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        loadmodule "sl.so"
        loadmodule "sipmsgops.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        route {
            if (is_method("REGISTER")) {
                save("location");
                exit;
            }
            if (is_method("ACK")) {
                exit;
            }
            if (!lookup("location")) {
                sl_send_reply(404, "Not Found");
                exit;
            }
            forward();
        }
        """;

    [Fact]
    public void SipsakUsrlocModeSucceeds()
    {
        // sipsak truncates five-digit ports: stay in 7000-9999.
        int port = FourDigitPort();
        using PeerProcess server = StartServer(port, "none");
        using var sipsak = new PeerProcess("sipsak", ["-U", "-vv", "-s", $"sip:user@127.0.0.1:{port}"], _dir);
        int exit = sipsak.WaitForExit(30_000);
        Assert.True(exit == 0, "sipsak: " + sipsak.Output + "\nserver:\n" + server.Output);
        Assert.Contains("All usrloc tests completed successful", sipsak.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void AcknowledgedSyncBindingsSurviveSigkill()
    {
        int port = PeerProcess.FreeUdpPort();
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = 2000;
        var server = new IPEndPoint(IPAddress.Loopback, port);
        using (PeerProcess first = StartServer(port, "sync"))
        {
            for (int i = 0; i < Bindings; i++)
            {
                string reply = RegisterClient.Exchange(client, server, RegisterClient.Register("reg", i, withContact: true, cseq: 1));
                Assert.StartsWith("SIP/2.0 200 OK", reply, StringComparison.Ordinal);
            }
        } // Dispose kills with SIGKILL: no final checkpoint, no clean close

        using PeerProcess second = StartServer(port, "sync");
        Assert.Contains($"loaded {Bindings} AoRs, {Bindings} contacts", second.Output, StringComparison.Ordinal);
        for (int i = 0; i < Bindings; i++)
        {
            string reply = RegisterClient.Exchange(client, server, RegisterClient.Register("reg", i, withContact: false, cseq: 2));
            Assert.Contains($"Contact: <sip:u{i}@127.0.0.1:{5000 + i}>;expires=", reply, StringComparison.Ordinal);
        }
    }

    private PeerProcess StartServer(int port, string durability)
    {
        string config = Path.Combine(_dir, "registrar.cfg");
        File.WriteAllText(config, Script(port));
        string binary = Path.Combine(AppContext.BaseDirectory, "hyperproxy");
        var process = new PeerProcess(binary, ["run", "--config", config, "--data-dir", Path.Combine(_dir, "data"), "--durability", durability], _dir);
        bool ready = SpinWait.SpinUntil(() => process.HasExited || process.Output.Contains("hyperproxy: ready", StringComparison.Ordinal), 30_000);
        Assert.True(ready && !process.HasExited, "server did not start:\n" + process.Output);
        return process;
    }

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
