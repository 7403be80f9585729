using Hyperproxy.Hosting;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>SIPp caller → Hyperproxy (record_route, loose_route, forward) → SIPp callee on loopback.</summary>
public sealed class RecordRouteSippTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-rr-" + Guid.NewGuid().ToString("N"));

    public RecordRouteSippTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CallIsRecordRoutedAndInDialogRequestsInBothDirectionsFollowTheRouteSet()
    {
        int calleePort = PeerProcess.FreeUdpPort();
        ProxyServer server = StartProxy(calleePort, out int proxyPort);
        using (server)
        {
            File.WriteAllText(Path.Combine(_dir, "callee.xml"), SippScenarios.Callee(proxyPort));
            File.WriteAllText(Path.Combine(_dir, "caller.xml"), SippScenarios.Caller(calleePort));
            using var callee = new PeerProcess("sipp", ["-sf", "callee.xml", "-i", "127.0.0.1", "-p", calleePort.ToString(), "-m", "1",
                "-timeout", "20s", "-timeout_error", "-trace_err"], _dir);
            using var caller = new PeerProcess("sipp", ["127.0.0.1:" + proxyPort, "-sf", "caller.xml", "-i", "127.0.0.1", "-p", "0", "-m", "1",
                "-timeout", "20s", "-timeout_error", "-trace_err"], _dir);
            int callerExit = caller.WaitForExit(30_000);
            Assert.True(callerExit == 0, "caller: " + caller.Output + ErrorLogs());
            Assert.True(callee.WaitForExit(30_000) == 0, "callee: " + callee.Output + ErrorLogs());
        }
    }

    private string ErrorLogs() => string.Join("\n", Directory.GetFiles(_dir, "*errors.log").Select(File.ReadAllText));

    private ProxyServer StartProxy(int calleePort, out int port)
    {
        for (int attempt = 0; ; attempt++)
        {
            port = PeerProcess.FreeUdpPort();
            string path = Path.Combine(_dir, "rr.cfg");
            File.WriteAllText(path, $$"""
                socket = udp:127.0.0.1:{{port}}
                udp_workers = 1
                loadmodule "sl.so"
                loadmodule "rr.so"
                loadmodule "sipmsgops.so"
                route {
                    if (has_totag()) {
                        if (loose_route()) { forward(); exit; }
                        sl_send_reply(404, "Not here");
                        exit;
                    }
                    record_route();
                    forward("127.0.0.1:{{calleePort}}");
                }
                """);
            var options = ServerOptions.From([], null, null, null, 16, path, _dir, "error");
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
