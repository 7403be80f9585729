using System.Globalization;
using Hyperproxy.Hosting;
using Hyperproxy.Transport;

using static Hyperproxy.Tests.EndToEnd.SippPeer;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// The edge topology with real peers on loopback: SIPp UA1 → Hyperproxy P1 (add_path_received,
/// use_received) → Kamailio 5.6 registrar; then SIPp UA2 → Kamailio (lookup, Path as Route) → P1 →
/// UA1's NAT'ed source address, with ACK and BYE following the route set.
/// </summary>
public sealed class EdgePathKamailioTests : IDisposable
{
    private const int PeerMilliseconds = 30_000;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-edge-" + Guid.NewGuid().ToString("N"));

    public EdgePathKamailioTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RegistrarStoresOurPathWithReceivedAndCallsReachTheUaThroughItsSourceAddress()
    {
        using KamailioPeer registrar = KamailioPeer.Start(EdgeScenarios.KamailioRegistrar, _dir);
        using ProxyServer edge = StartEdge(registrar.Port, out int edgePort);
        int ua1Port = PeerProcess.FreeUdpPort();
        int contactPort = FreeUdpPortOtherThan(ua1Port);
        string path = $"<sip:Outbound@127.0.0.1:{edgePort};lr;received=sip:127.0.0.1:{ua1Port}>";

        // (a) UA1 registers through P1: the 200 echoes the Path with P1's URI, lr and UA1's source
        File.WriteAllText(Path.Combine(_dir, "register.xml"), EdgeScenarios.Register(registrar.Port, contactPort, path));
        using (var register = SippPeer.Start(_dir, "register", ["127.0.0.1:" + edgePort, "-sf", "register.xml", "-p", Port(ua1Port)]))
        {
            int exit = register.WaitForExit(PeerMilliseconds);
            Assert.True(exit == 0, "UA1 REGISTER: " + register.Output + Logs(registrar));
        }

        string registerLog = File.ReadAllText(Path.Combine(_dir, "register-msgs.log"));
        int replyAt = registerLog.IndexOf("SIP/2.0 200 OK", StringComparison.Ordinal);
        Assert.True(replyAt >= 0, "no 200 in UA1's log:\n" + registerLog);
        string[] replyLines = registerLog[replyAt..].Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("Path: " + path, replyLines);

        // (b) Kamailio's location table holds the binding with exactly that Path
        (int dumpExit, string dump) = registrar.Rpc("ul.dump");
        Assert.True(dumpExit == 0, "ul.dump: " + dump);
        Assert.Contains("AoR: ua1", dump);
        Assert.Contains($"Address: sip:ua1@127.0.0.1:{contactPort}", dump);
        Assert.Contains("Path: " + path, dump);

        // (c) UA2's INVITE for UA1's AoR goes Kamailio → P1 → UA1's source port (its Contact port has no listener)
        File.WriteAllText(Path.Combine(_dir, "callee.xml"), EdgeScenarios.Callee(contactPort));
        File.WriteAllText(Path.Combine(_dir, "caller.xml"), EdgeScenarios.Caller(registrar.Port, edgePort));
        using var callee = SippPeer.Start(_dir, "callee", ["-sf", "callee.xml", "-p", Port(ua1Port)]);
        Assert.True(SpinWait.SpinUntil(() => callee.HasExited || UdpPortBound(ua1Port), PeerMilliseconds),
            "UA1 callee did not bind: " + callee.Output);
        using var caller = SippPeer.Start(_dir, "caller", ["127.0.0.1:" + registrar.Port, "-sf", "caller.xml", "-p", Port(FreeUdpPortOtherThan(ua1Port))]);
        int callerExit = caller.WaitForExit(PeerMilliseconds);
        Assert.True(callerExit == 0, "UA2: " + caller.Output + SippPeer.ErrorLogs(_dir) + Logs(registrar));
        Assert.True(callee.WaitForExit(PeerMilliseconds) == 0, "UA1: " + callee.Output + SippPeer.ErrorLogs(_dir));

        string calleeLog = File.ReadAllText(Path.Combine(_dir, "callee-msgs.log"));
        Assert.Contains($"INVITE sip:ua1@127.0.0.1:{contactPort} SIP/2.0", calleeLog);
        Assert.Contains($"Record-Route: <sip:127.0.0.1:{edgePort};lr;ftag=", calleeLog);
        Assert.Contains($"Record-Route: <sip:127.0.0.1:{registrar.Port};lr;ftag=", calleeLog);
        Assert.Contains($"ACK sip:ua1@127.0.0.1:{ua1Port} SIP/2.0", calleeLog);
        Assert.Contains($"BYE sip:ua1@127.0.0.1:{ua1Port} SIP/2.0", calleeLog);
        Assert.DoesNotContain("\nRoute:", calleeLog);
    }

    private static string Logs(KamailioPeer registrar) => "\nKamailio:\n" + registrar.Output;

    private ProxyServer StartEdge(int registrarPort, out int port)
    {
        for (int attempt = 0; ; attempt++)
        {
            port = PeerProcess.FreeUdpPort();
            string script = Path.Combine(_dir, "edge.cfg");
            File.WriteAllText(script, EdgeScenarios.EdgeProxy(port, registrarPort));
            var options = ServerOptions.From([], null, null, null, 16, script, _dir, "error");
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
