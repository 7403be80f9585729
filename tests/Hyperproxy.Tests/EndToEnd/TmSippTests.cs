namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// SIPp caller → <c>hyperproxy run</c> (two workers, t_relay with record_route) → SIPp callee on loopback: a full
/// record-routed call (INVITE/100/200/ACK, INFO/200, BYE/200 from the callee). With two workers the kernel
/// spreads the callee's replies over both, so replies reach their transaction through the hand-off rings.
/// </summary>
public sealed class TmSippTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-tm-" + Guid.NewGuid().ToString("N"));

    public TmSippTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private int Workers { get; set; } = 1;

    [Fact]
    public void FullCallThroughTRelay()
    {
        int calleePort = PeerProcess.FreeUdpPort();
        using ServerProcess server = ServerProcess.StartScript(port => $$"""
            socket = udp:127.0.0.1:{{port}}
            udp_workers = {{Workers}}
            loadmodule "sl.so"
            loadmodule "tm.so"
            loadmodule "rr.so"
            loadmodule "sipmsgops.so"
            modparam("tm", "fr_timeout", 5)
            route {
                if (has_totag()) {
                    if (loose_route()) { t_relay(); exit; }
                    if (is_method("ACK")) { if (t_check_trans()) t_relay(); exit; }
                    sl_send_reply(404, "Not here");
                    exit;
                }
                if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
                record_route();
                $du = "sip:127.0.0.1:{{calleePort}}";
                if (!t_relay()) { sl_reply_error(); }
            }
            """, _dir, "none");
        File.WriteAllText(Path.Combine(_dir, "callee.xml"), SippScenarios.Callee(server.Port));
        File.WriteAllText(Path.Combine(_dir, "caller.xml"), SippScenarios.Caller(calleePort));
        using var callee = new PeerProcess("sipp", ["-sf", "callee.xml", "-i", "127.0.0.1", "-p", calleePort.ToString(), "-m", "1",
            "-timeout", "20s", "-timeout_error", "-trace_err"], _dir);
        using var caller = new PeerProcess("sipp", ["127.0.0.1:" + server.Port, "-sf", "caller.xml", "-i", "127.0.0.1", "-p", "0", "-m", "1",
            "-timeout", "20s", "-timeout_error", "-trace_err"], _dir);
        Assert.True(caller.WaitForExit(30_000) == 0, "caller: " + caller.Output + ErrorLogs() + "\nserver: " + server.Output);
        Assert.True(callee.WaitForExit(30_000) == 0, "callee: " + callee.Output + ErrorLogs() + "\nserver: " + server.Output);
    }

    /// <summary>
    /// SIPp's built-in uac and uas (INVITE/100/180/200/ACK, BYE/200) for several calls through two workers: the
    /// callee's replies land on either worker and reach their transaction's owner through the hand-off rings.
    /// </summary>
    [Fact]
    public void CallsThroughTwoWorkersReachTheirTransactionsOwners()
    {
        int calleePort = PeerProcess.FreeUdpPort();
        using ServerProcess server = ServerProcess.StartScript(port => $$"""
            socket = udp:127.0.0.1:{{port}}
            udp_workers = 2
            loadmodule "sl.so"
            loadmodule "tm.so"
            loadmodule "sipmsgops.so"
            route {
                if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
                $du = "sip:127.0.0.1:{{calleePort}}";
                if (!t_relay()) { sl_reply_error(); }
            }
            """, _dir, "none");
        using var callee = new PeerProcess("sipp", ["-sn", "uas", "-i", "127.0.0.1", "-p", calleePort.ToString(), "-m", "20",
            "-timeout", "30s", "-timeout_error", "-trace_err"], _dir);
        using var caller = new PeerProcess("sipp", ["127.0.0.1:" + server.Port, "-sn", "uac", "-i", "127.0.0.1", "-p", "0", "-m", "20",
            "-r", "20", "-d", "100", "-timeout", "30s", "-timeout_error", "-trace_err"], _dir);
        Assert.True(caller.WaitForExit(40_000) == 0, "caller: " + caller.Output + ErrorLogs() + "\nserver: " + server.Output);
        Assert.True(callee.WaitForExit(40_000) == 0, "callee: " + callee.Output + ErrorLogs() + "\nserver: " + server.Output);
    }

    private string ErrorLogs() => string.Join("\n", Directory.GetFiles(_dir, "*errors.log").Select(File.ReadAllText));
}
