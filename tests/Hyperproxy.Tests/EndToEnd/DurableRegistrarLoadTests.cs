using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// <c>--durability sync</c> under a closed-loop client that keeps the other core busy: the worker commits each
/// batch itself and sends its 200 OKs right after, so no reply waits on another thread, a timer or a poll —
/// pinned or not — and a SIGKILL at any window size loses no acknowledged registration.
/// </summary>
public sealed partial class DurableRegistrarLoadTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-durable-load-" + Guid.NewGuid().ToString("N"));

    public DurableRegistrarLoadTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // OPTIONS answers with the usrloc statistics, so the test reads them from the running server.
    private static string Script(int port) => RegisterClient.RegistrarScript(port, """
                if (is_method("OPTIONS")) {
                    append_to_reply("X-Released: $stat(parked_replies_released)\r\nX-Deferred: $stat(parked_replies_deferred)\r\nX-Wait-P99: $stat(parked_reply_wait_p99_us)\r\nX-Wait-Max: $stat(parked_reply_wait_max_us)\r\nX-Commit-P99: $stat(wal_commit_p99_us)\r\nX-Commit-Max: $stat(wal_commit_max_us)\r\nX-Commits: $stat(wal_commits)\r\n");
                    sl_send_reply(200, "OK");
                    exit;
                }
                sl_send_reply(404, "Not Here");
            """);

    private static bool TwoCpus => CpuAffinity.IsSupported && Environment.ProcessorCount >= 2;

    [Fact]
    public void PinnedWorkerSendsEveryDurableReplyInTheBatchThatCommittedIt()
    {
        // The worker on CPU 0, the client spinning on CPU 1 (where there are two): the configuration whose
        // replies used to wait on a commit thread, the thread pool and a 1 ms poll, all behind busy cores.
        (int pinnedAcks, Dictionary<string, long> pinned) = RunLoad(TwoCpus ? ["--cpus", "0"] : [], window: 64, clientCpu: TwoCpus ? 1 : -1, "pin");
        (int freeAcks, Dictionary<string, long> _) = RunLoad([], window: 64, clientCpu: TwoCpus ? 1 : -1, "free");

        Assert.True(pinnedAcks > 0 && pinned["Released"] >= pinnedAcks, $"{pinnedAcks} acks, stats {Describe(pinned)}");
        // Structural: every reply left with the batch that parked it (one worker: nothing else can hold it up).
        Assert.Equal(0, pinned["Deferred"]);
        // Group commit: far fewer syncs than replies.
        Assert.True(pinned["Commits"] < pinned["Released"], Describe(pinned));
        // No reply waits for anything but its own commit and the rest of its batch. The slack is for a CI core
        // shared with the other test assemblies (a worker preempted mid-batch, seen at +53 ms with load 25);
        // the bug this guards against made replies wait 0.1-1 s behind commits of about 1 ms. The tight figure
        // (wait p99 within a few ms of the commit p99) is run-bench.sh's, on a quiet machine.
        Assert.True(pinned["Wait-P99"] <= pinned["Commit-P99"] + 100_000, Describe(pinned));
        Assert.True(pinned["Wait-Max"] <= pinned["Commit-Max"] + 200_000, Describe(pinned));
        // Pinning costs at most a constant factor (it was 16x: 1.7k/s against 28k/s).
        Assert.True(pinnedAcks * 4 >= freeAcks, $"pinned {pinnedAcks} acks against {freeAcks} unpinned in the same time");
    }

    private (int Acks, Dictionary<string, long> Stats) RunLoad(string[] serverArguments, int window, int clientCpu, string prefix)
    {
        string folder = Path.Combine(_dir, prefix);
        Directory.CreateDirectory(folder);
        using ServerProcess server = ServerProcess.StartScript(Script, folder, "sync", null, serverArguments);
        var target = new IPEndPoint(IPAddress.Loopback, server.Port);
        var load = new RegisterLoad(target, window, prefix, clientCpu);
        var thread = new Thread(() => load.Run(TimeSpan.FromSeconds(3))) { IsBackground = true };
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the load did not end");
        Dictionary<string, long> stats = ReadStats(target);
        Assert.Equal(0, server.Terminate(10_000));
        return (load.AckedCount, stats);
    }

    private static Dictionary<string, long> ReadStats(IPEndPoint server)
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = 2000;
        string reply = RegisterClient.Exchange(client, server,
            "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-stats\r\n"
            + "From: <sip:t@127.0.0.1>;tag=s\r\nTo: <sip:t@127.0.0.1>\r\nCall-ID: stats@test\r\nCSeq: 1 OPTIONS\r\n"
            + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        var stats = new Dictionary<string, long>();
        foreach (Match m in StatLine().Matches(reply))
        {
            stats[m.Groups[1].Value] = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }

        Assert.True(stats.Count == 7, "statistics missing from:\n" + reply);
        return stats;
    }

    private static string Describe(Dictionary<string, long> stats) => string.Join(", ", stats.Select(p => p.Key + "=" + p.Value));

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(256)]
    public void SigkillUnderLoadLosesNoAcknowledgedRegistration(int window)
    {
        string prefix = "w" + window.ToString(CultureInfo.InvariantCulture);
        RegisterLoad load;
        using (ServerProcess server = ServerProcess.StartScript(Script, _dir, "sync", null, TwoCpus ? ["--cpus", "0"] : []))
        {
            load = new RegisterLoad(new IPEndPoint(IPAddress.Loopback, server.Port), window, prefix, TwoCpus ? 1 : -1);
            var thread = new Thread(() => load.Run(TimeSpan.FromSeconds(60))) { IsBackground = true };
            thread.Start();
            // Kill it in full flight: requests parked, batches half committed.
            Assert.True(SpinWait.SpinUntil(() => load.AckedCount >= 1500, TimeSpan.FromSeconds(30)), $"only {load.AckedCount} acks:\n{server.Output}");
            server.Crash();
            load.Stop();
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the load did not stop");
        }

        using ServerProcess restarted = ServerProcess.StartScript(Script, _dir, "sync");
        var target = new IPEndPoint(IPAddress.Loopback, restarted.Port);
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = 2000;
        Assert.True(load.Acked.Count >= 1500);
        foreach (int user in load.Acked)
        {
            string reply = RegisterClient.Exchange(client, target, RegisterClient.Register(prefix, user, withContact: false, cseq: 2));
            Assert.True(reply.Contains($"Contact: <sip:u{user}@127.0.0.1:{5000 + (user % 50000)}>;expires=", StringComparison.Ordinal),
                $"acknowledged u{user} lost after SIGKILL (window {window}, {load.Acked.Count} acked):\n{reply}");
        }
    }

    [GeneratedRegex(@"X-([A-Za-z0-9-]+): (-?\d+)")]
    private static partial Regex StatLine();
}
