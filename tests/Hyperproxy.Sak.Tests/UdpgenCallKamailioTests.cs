using System.Globalization;
using System.Text.Json;

namespace Hyperproxy.Sak.Tests;

/// <summary>
/// Kamailio 5.6 running run-bench.sh's tm script (perf/kamailio/stateful-call.cfg: t_relay with record_route). The
/// peer runs with 64 MB of shared memory, where tm keeps every transaction until its wait timer (5 s): the loads
/// below stay small so it never runs out (it then answers 500).
/// </summary>
public sealed class StatefulCallKamailio : KamailioPeer
{
    public StatefulCallKamailio()
        : base(Path.Combine(Peers.RepoRoot, "perf", "kamailio", "stateful-call.cfg"))
    {
    }

    /// <summary>Kamailio's main process (from the pid file next to its control socket).</summary>
    public int MainPid => int.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(ControlSocket)!, "kamailio.pid")).Trim(), CultureInfo.InvariantCulture);
}

/// <summary>
/// udpgen's call scenario (run-bench.sh stateful-call and stateful-hold) against Kamailio's tm: proves the
/// generator plays caller and callee right through a stateful proxy. No figure is asserted, only outcomes.
/// </summary>
public sealed class UdpgenCallKamailioTests : IClassFixture<StatefulCallKamailio>
{
    private readonly StatefulCallKamailio _kamailio;

    public UdpgenCallKamailioTests(StatefulCallKamailio kamailio) => _kamailio = kamailio;

    [Fact]
    public void EveryCallCompletesThroughKamailioWithTheAckAndByeAlongTheRecordRoute()
    {
        int callee = Peers.FreeUdpPort();
        JsonElement r = Run("-s", "call", "-t", $"127.0.0.1:{_kamailio.Port}", "-R", Text(callee), "-r", $"127.0.0.1:{callee}",
            "-w", "4", "-W", "0.1", "-d", "0.5", "-T", "20000", "--drain-ms", "5000", "--no-busy");

        long completed = r.GetProperty("received").GetInt64();
        Assert.True(completed > 0, r.ToString());
        Assert.True(completed == r.GetProperty("by_class").GetProperty("2xx").GetInt64(), r.ToString());
        Assert.True(completed == r.GetProperty("via_responder").GetInt64(), r.ToString());
        Assert.True(r.GetProperty("by_class").GetProperty("1xx").GetInt64() >= 2 * completed, r.ToString()); // 100 and 180
        Assert.True(r.GetProperty("responder_acks").GetInt64() > 0, r.ToString());
        foreach (string zero in new[] { "timeouts", "unanswered_at_end", "unmatched", "send_errors", "write_errors" })
        {
            Assert.True(r.GetProperty(zero).GetInt64() == 0, zero + ": " + r);
        }
    }

    [Fact]
    public void HeldCallsAllGetTheir180AndTheServersMemoryIsRead()
    {
        int callee = Peers.FreeUdpPort();
        JsonElement r = Run("-s", "call", "--hold", "300", "-t", $"127.0.0.1:{_kamailio.Port}", "-R", Text(callee), "-r", $"127.0.0.1:{callee}",
            "-w", "32", "-W", "0", "-d", "60", "-T", "60000", "--drain-ms", "100", "--no-busy", "--cpu-pids", Text(_kamailio.MainPid));

        Assert.Equal(300, r.GetProperty("held").GetInt64());
        Assert.Equal(300, r.GetProperty("hold_target").GetInt64());
        Assert.Equal(0, r.GetProperty("by_class").GetProperty("2xx").GetInt64());
        Assert.True(r.GetProperty("server_rss_kb_start").GetInt64() > 0, r.ToString());
        Assert.True(r.GetProperty("server_pss_kb_end").GetInt64() > 0, r.ToString());
    }

    private static JsonElement Run(params string[] args) => Udpgen.Run(args);

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}
