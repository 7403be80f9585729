using System.Globalization;
using Hyperproxy.Hosting;
using Hyperproxy.Transport;

using static Hyperproxy.Tests.EndToEnd.SippPeer;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// Interop the other way round with real peers on loopback: SIPp UA1 → Kamailio 5.6 P1
/// (add_path_received, use_received = 1) → Hyperproxy registrar (save "p2v"); the 200 OK carries
/// Kamailio's Path. Then SIPp UA2 → Hyperproxy (lookup, record_route, forward): the INVITE leaves with
/// Route: &lt;Kamailio's Path URI&gt;, Kamailio sends it to UA1's NAT'ed source, the call completes.
/// </summary>
public sealed class KamailioEdgeHyperproxyRegistrarTests : IDisposable
{
    private const int PeerMilliseconds = 30_000;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-kam-edge-" + Guid.NewGuid().ToString("N"));

    public KamailioEdgeHyperproxyRegistrarTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void HyperproxyRegistrarStoresKamailiosPathAndCallsReachTheUaThroughKamailio()
    {
        using ProxyServer registrar = StartRegistrar(out int registrarPort);
        using KamailioPeer edge = KamailioPeer.Start(KamailioEdgeScenarios.KamailioEdge(registrarPort), _dir);
        int ua1Port = PeerProcess.FreeUdpPort();
        int contactPort = FreeUdpPortOtherThan(ua1Port);
        string pathUri = $"sip:Outbound@127.0.0.1:{edge.Port};lr;received=sip:127.0.0.1:{ua1Port}";

        // (a) UA1 registers through Kamailio: the 200 from Hyperproxy echoes Kamailio's Path with received
        File.WriteAllText(Path.Combine(_dir, "register.xml"), EdgeScenarios.Register(registrarPort, contactPort, "<" + pathUri + ">"));
        using (var register = SippPeer.Start(_dir, "register", ["127.0.0.1:" + edge.Port, "-sf", "register.xml", "-p", Port(ua1Port)]))
        {
            Assert.True(register.WaitForExit(PeerMilliseconds) == 0, "UA1 REGISTER: " + register.Output + SippPeer.ErrorLogs(_dir) + Logs(edge));
        }

        string registerLog = File.ReadAllText(Path.Combine(_dir, "register-msgs.log"));
        int replyAt = registerLog.IndexOf("SIP/2.0 200 OK", StringComparison.Ordinal);
        Assert.True(replyAt >= 0, "no 200 in UA1's log:\n" + registerLog);
        string[] reply = registerLog[replyAt..].Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains($"Path: <{pathUri}>", reply);
        Assert.Contains($"Contact: <sip:ua1@127.0.0.1:{contactPort}>;expires=3600;received=\"sip:127.0.0.1:{ua1Port}\"", reply);

        // (b) UA2 calls UA1's AoR at Hyperproxy: Route = the Path, Kamailio relays to UA1's source port
        File.WriteAllText(Path.Combine(_dir, "callee.xml"), EdgeScenarios.Callee(contactPort));
        File.WriteAllText(Path.Combine(_dir, "caller.xml"), EdgeScenarios.Caller(registrarPort, edge.Port));
        using var callee = SippPeer.Start(_dir, "callee", ["-sf", "callee.xml", "-p", Port(ua1Port)]);
        Assert.True(SpinWait.SpinUntil(() => callee.HasExited || UdpPortBound(ua1Port), PeerMilliseconds), "UA1 did not bind: " + callee.Output);
        using var caller = SippPeer.Start(_dir, "caller", ["127.0.0.1:" + registrarPort, "-sf", "caller.xml", "-p", Port(FreeUdpPortOtherThan(ua1Port))]);
        Assert.True(caller.WaitForExit(PeerMilliseconds) == 0, "UA2: " + caller.Output + SippPeer.ErrorLogs(_dir) + Logs(edge));
        Assert.True(callee.WaitForExit(PeerMilliseconds) == 0, "UA1: " + callee.Output + SippPeer.ErrorLogs(_dir) + Logs(edge));

        // Kamailio keeps running: its log lines of the INVITE can still be in the pipe when the call is over.
        string got = $"P1 got INVITE sip:ua1@127.0.0.1:{contactPort} route=[<{pathUri}>]";
        string sends = $"P1 sends INVITE to sip:127.0.0.1:{ua1Port}";
        Assert.True(edge.WaitForOutput(got, PeerMilliseconds), $"'{got}' not in Kamailio's log" + Logs(edge));
        Assert.True(edge.WaitForOutput(sends, PeerMilliseconds), $"'{sends}' not in Kamailio's log" + Logs(edge));

        string calleeLog = File.ReadAllText(Path.Combine(_dir, "callee-msgs.log"));
        Assert.Contains($"INVITE sip:ua1@127.0.0.1:{contactPort} SIP/2.0", calleeLog);
        Assert.Contains($"Record-Route: <sip:127.0.0.1:{edge.Port};lr;ftag=", calleeLog);
        Assert.Contains($"Record-Route: <sip:127.0.0.1:{registrarPort};lr;ftag=", calleeLog);
        Assert.Contains($"ACK sip:ua1@127.0.0.1:{ua1Port} SIP/2.0", calleeLog);
        Assert.Contains($"BYE sip:ua1@127.0.0.1:{ua1Port} SIP/2.0", calleeLog);
        Assert.DoesNotContain("\nRoute:", calleeLog);
    }

    private static string Logs(KamailioPeer edge) => "\nKamailio:\n" + edge.Output;

    private ProxyServer StartRegistrar(out int port)
    {
        for (int attempt = 0; ; attempt++)
        {
            port = PeerProcess.FreeUdpPort();
            string file = Path.Combine(_dir, "registrar-" + port + ".cfg");
            File.WriteAllText(file, RegistrarEdgeScenarios.Registrar(port));
            var options = ServerOptions.From([], null, null, null, 16, file, Path.Combine(_dir, "data-" + port), "error", "none");
            try
            {
                return ProxyServer.Start(options);
            }
            catch (TransportException) when (attempt < 20)
            {
            }
        }
    }
}
