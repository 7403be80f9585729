using System.Globalization;
using Hyperproxy.Hosting;
using Hyperproxy.Transport;

using static Hyperproxy.Tests.EndToEnd.SippPeer;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// The seed scenario with Hyperproxy on both sides, real SIPp peers on loopback: UA1 → P1 (add_path_received,
/// use_received) → Hyperproxy registrar (save "p2v"); the 200 OK carries the Path. Then UA2 → registrar
/// (lookup, record_route, forward): the INVITE leaves with Route: &lt;P1&gt;, P1 sends it to UA1's NAT'ed source,
/// the call completes and the BYE follows the Record-Route.
/// </summary>
public sealed class EdgePathRegistrarTests : IDisposable
{
    private const int PeerMilliseconds = 30_000;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-edge-reg-" + Guid.NewGuid().ToString("N"));

    public EdgePathRegistrarTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("none")]
    [InlineData("sync")]
    public void RegistrarStoresThePathAndCallsReachTheUaThroughP1(string durability)
    {
        using ProxyServer registrar = Start(p => RegistrarEdgeScenarios.Registrar(p), durability, out int registrarPort);
        using ProxyServer edge = Start(p => EdgeScenarios.EdgeProxy(p, registrarPort), "none", out int edgePort);
        int ua1Port = PeerProcess.FreeUdpPort();
        int contactPort = FreeUdpPortOtherThan(ua1Port);
        string path = $"<sip:Outbound@127.0.0.1:{edgePort};lr;received=sip:127.0.0.1:{ua1Port}>";

        File.WriteAllText(Path.Combine(_dir, "register.xml"), EdgeScenarios.Register(registrarPort, contactPort, path));
        using (var register = SippPeer.Start(_dir, "register", ["127.0.0.1:" + edgePort, "-sf", "register.xml", "-p", Port(ua1Port)]))
        {
            Assert.True(register.WaitForExit(PeerMilliseconds) == 0, "UA1 REGISTER: " + register.Output + SippPeer.ErrorLogs(_dir));
        }

        string registerLog = File.ReadAllText(Path.Combine(_dir, "register-msgs.log"));
        int replyAt = registerLog.IndexOf("SIP/2.0 200 OK", StringComparison.Ordinal);
        Assert.True(replyAt >= 0, "no 200 in UA1's log:\n" + registerLog);
        string[] reply = registerLog[replyAt..].Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("Path: " + path, reply);
        Assert.Contains($"Contact: <sip:ua1@127.0.0.1:{contactPort}>;expires=3600;received=\"sip:127.0.0.1:{ua1Port}\"", reply);

        File.WriteAllText(Path.Combine(_dir, "callee.xml"), EdgeScenarios.Callee(contactPort));
        File.WriteAllText(Path.Combine(_dir, "caller.xml"), EdgeScenarios.Caller(registrarPort, edgePort));
        using var callee = SippPeer.Start(_dir, "callee", ["-sf", "callee.xml", "-p", Port(ua1Port)]);
        Assert.True(SpinWait.SpinUntil(() => callee.HasExited || UdpPortBound(ua1Port), PeerMilliseconds), "UA1 did not bind: " + callee.Output);
        using var caller = SippPeer.Start(_dir, "caller", ["127.0.0.1:" + registrarPort, "-sf", "caller.xml", "-p", Port(FreeUdpPortOtherThan(ua1Port))]);
        Assert.True(caller.WaitForExit(PeerMilliseconds) == 0, "UA2: " + caller.Output + SippPeer.ErrorLogs(_dir));
        Assert.True(callee.WaitForExit(PeerMilliseconds) == 0, "UA1: " + callee.Output + SippPeer.ErrorLogs(_dir));

        string calleeLog = File.ReadAllText(Path.Combine(_dir, "callee-msgs.log"));
        Assert.Contains($"INVITE sip:ua1@127.0.0.1:{contactPort} SIP/2.0", calleeLog);
        Assert.Contains($"Record-Route: <sip:127.0.0.1:{edgePort};lr;ftag=", calleeLog);
        Assert.Contains($"Record-Route: <sip:127.0.0.1:{registrarPort};lr;ftag=", calleeLog);
        Assert.Contains($"BYE sip:ua1@127.0.0.1:{ua1Port} SIP/2.0", calleeLog);
        Assert.DoesNotContain("\nRoute:", calleeLog);
    }

    private ProxyServer Start(Func<int, string> script, string durability, out int port)
    {
        for (int attempt = 0; ; attempt++)
        {
            port = PeerProcess.FreeUdpPort();
            string file = Path.Combine(_dir, "hp-" + port + ".cfg");
            File.WriteAllText(file, script(port));
            var options = ServerOptions.From([], null, null, null, 16, file, Path.Combine(_dir, "data-" + port), "error", durability);
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
