using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Hyperproxy.Tests.Shared;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// save() on a location table shared on Redis does not hold up the worker: the REGISTER is parked while its
/// record is fetched and its compare-and-set answered, the commands of a batch go out pipelined, and the reply
/// leaves once Redis has answered. With <c>--durability sync</c> a replica must have acknowledged the write
/// (<c>WAIT</c>) before the 200 OK; without one the REGISTER gets 500 with Retry-After.
/// </summary>
public sealed partial class SharedLocationSaveTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-shared-save-" + Guid.NewGuid().ToString("N"));

    public SharedLocationSaveTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static bool TwoCpus => Environment.ProcessorCount >= 2;

    internal static Func<int, string> Script(string url, int queryTimeoutMs = 1000) => port => $$"""
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        loadmodule "sl.so"
        loadmodule "sipmsgops.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        loadmodule "cachedb_redis.so"
        modparam("usrloc", "cluster_mode", "full-sharing-cachedb")
        modparam("usrloc", "cachedb_url", "{{url}}")
        modparam("cachedb_redis", "query_timeout", {{queryTimeoutMs}})
        route {
            if (is_method("REGISTER")) {
                save("location");
                exit;
            }
            sl_send_reply(404, "Not Found");
        }
        """;

    private static UdpClient Client()
    {
        var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = 5000;
        return client;
    }

    [GeneratedRegex(@"location store: redis (\d+) operations in (\d+) round trips")]
    private static partial Regex RoundTripsLine();

    [Fact]
    public void OnePinnedWorkerParksItsSavesAndPipelinesThemInFewerRoundTripsThanRegisters()
    {
        const int Registers = 200;
        using RedisServer redis = RedisServer.Start();
        using ServerProcess node = ServerProcess.StartScript(Script(redis.Url, queryTimeoutMs: 5000), _dir, durability: null, null,
            TwoCpus ? ["--cpus", "0"] : []);
        using UdpClient ua = Client();
        ua.Client.ReceiveBufferSize = 4 << 20; // 200 replies at once: the default buffer drops some while the test is descheduled
        var target = new IPEndPoint(IPAddress.Loopback, node.Port);

        WarmUp(ua, target, Registers);

        // All in flight at once: the worker parks each REGISTER, and answers each once Redis has stored it.
        for (int user = 0; user < Registers; user++)
        {
            byte[] request = Encoding.ASCII.GetBytes(RegisterClient.Register("pipe", user, withContact: true, cseq: 1));
            ua.Send(request, request.Length, target);
        }

        Assert.Equal(Registers, OkAnswers(ua, "pipe", Registers, node));
        Assert.Equal((Registers + 1).ToString(), redis.Command("DBSIZE")); // and the warm-up's AoR

        Assert.Equal(0, node.Terminate(10_000));
        Match line = RoundTripsLine().Match(node.Output);
        Assert.True(line.Success, node.Output);
        long operations = long.Parse(line.Groups[1].Value);
        long roundTrips = long.Parse(line.Groups[2].Value);

        // A GET and a compare-and-set per REGISTER, sent a batch at a time: fewer round trips than REGISTERs.
        Assert.True(operations >= 2 * Registers, node.Output);
        Assert.True(roundTrips < Registers, $"{roundTrips} round trips for {Registers} REGISTERs ({operations} operations)");
        Assert.Contains($"parked for the location store {Registers + 1}, run again {Registers + 1}, parking full 0", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void TheWorkersOwnConnectionCarriesTheSavesAndItsAnswersWakeTheWorker()
    {
        const int Registers = 100;
        using RedisServer redis = RedisServer.Start();
        using ServerProcess node = ServerProcess.StartScript(Script(redis.Url, queryTimeoutMs: 5000), _dir, durability: null, null,
            TwoCpus ? ["--cpus", "0"] : []);
        using UdpClient ua = Client();
        ua.Client.ReceiveBufferSize = 4 << 20;
        var target = new IPEndPoint(IPAddress.Loopback, node.Port);
        WarmUp(ua, target, Registers);

        // The worker's own connection, beside StackExchange.Redis's (named "hyperproxy").
        Assert.Contains("name=hyperproxy-worker ", redis.Command("CLIENT LIST"), StringComparison.Ordinal);
        for (int user = 0; user < Registers; user++)
        {
            byte[] request = Encoding.ASCII.GetBytes(RegisterClient.Register("own", user, withContact: true, cseq: 1));
            ua.Send(request, request.Length, target);
        }

        Assert.Equal(Registers, OkAnswers(ua, "own", Registers, node));
        Assert.Equal(0, node.Terminate(10_000));

        // The session's descriptor joined the worker's poll set: answers woke it (not its 1 ms idle poll).
        Assert.Contains($"parked for the location store {Registers + 1}, run again {Registers + 1}, parking full 0, workers woken by the store's answers 1",
            node.Output, StringComparison.Ordinal);
    }

    /// <summary>One REGISTER first: the node's first command waits for its connection to Redis, which takes seconds
    /// on a loaded machine (longer than a burst's query_timeout). Bounded by a 30 s receive timeout.</summary>
    private static void WarmUp(UdpClient ua, IPEndPoint target, int user)
    {
        byte[] warm = Encoding.ASCII.GetBytes(RegisterClient.Register("warm", user, withContact: true, cseq: 1));
        ua.Client.ReceiveTimeout = 30_000;
        ua.Send(warm, warm.Length, target);
        IPEndPoint? from = null;
        Assert.StartsWith("SIP/2.0 200 OK", Encoding.ASCII.GetString(ua.Receive(ref from)), StringComparison.Ordinal);
        ua.Client.ReceiveTimeout = 15_000;
    }

    /// <summary>Reads the answers to a burst of <paramref name="count"/> REGISTERs named <paramref name="prefix"/>
    /// (each bounded by the 15 s receive timeout) and counts the 200 OKs, each with its own Contact back.</summary>
    private static int OkAnswers(UdpClient ua, string prefix, int count, ServerProcess node)
    {
        var answered = new HashSet<string>();
        int ok = 0;
        while (answered.Count < count)
        {
            IPEndPoint? from = null;
            string reply;
            try
            {
                reply = Encoding.ASCII.GetString(ua.Receive(ref from));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                node.Terminate(10_000);
                Assert.Fail($"{answered.Count} of {count} REGISTERs answered, then nothing for 15 s\n{node.Output}");
                throw;
            }

            Match branch = Regex.Match(reply, @"branch=z9hG4bK-" + prefix + @"(\d+)-1");
            Assert.True(branch.Success, reply);
            if (answered.Add(branch.Groups[1].Value) && reply.StartsWith("SIP/2.0 200 OK", StringComparison.Ordinal))
            {
                ok++;
                Assert.Contains("Contact: <sip:u" + branch.Groups[1].Value + "@127.0.0.1:", reply, StringComparison.Ordinal);
            }
        }

        return ok;
    }

    [Fact]
    public void MoreSavesParkedThanOneBatchCarriesAllGetTheirAnswerWhenRedisAnswersThemAtOnce()
    {
        // Redis stopped while a burst larger than a send batch parks: when it answers, every parked REGISTER has
        // its answer at once, and a worker turn carries only a batch of replies. The rest must keep their answers
        // for the next turn (they were once dropped with the answers, and waited for traffic that never came).
        const int Registers = 250;
        using RedisServer redis = RedisServer.Start();
        using ServerProcess node = ServerProcess.StartScript(Script(redis.Url, queryTimeoutMs: 10_000), _dir, durability: null, null,
            TwoCpus ? ["--cpus", "0"] : []);
        using UdpClient ua = Client();
        ua.Client.ReceiveBufferSize = 4 << 20;
        var target = new IPEndPoint(IPAddress.Loopback, node.Port);
        WarmUp(ua, target, Registers);

        redis.Pause();
        try
        {
            for (int user = 0; user < Registers; user++)
            {
                byte[] request = Encoding.ASCII.GetBytes(RegisterClient.Register("held", user, withContact: true, cseq: 1));
                ua.Send(request, request.Length, target);
            }

            // The single worker answers an OPTIONS at once (404): past it, every REGISTER before it is parked.
            string options = "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-mark\r\n"
                + "From: <sip:m@127.0.0.1>;tag=m\r\nTo: <sip:m@127.0.0.1>\r\nCall-ID: mark\r\nCSeq: 1 OPTIONS\r\n"
                + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
            byte[] mark = Encoding.ASCII.GetBytes(options);
            ua.Send(mark, mark.Length, target);
            IPEndPoint? from = null;
            Assert.StartsWith("SIP/2.0 404 ", Encoding.ASCII.GetString(ua.Receive(ref from)), StringComparison.Ordinal);
        }
        finally
        {
            redis.Continue();
        }

        Assert.Equal(Registers, OkAnswers(ua, "held", Registers, node));
        Assert.Equal(0, node.Terminate(10_000));
        Assert.Contains($"parked for the location store {Registers + 1}, run again {Registers + 1}, parking full 0", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnderSustainedLoadEverySaveStaysParkedAndPipelined()
    {
        // 256 REGISTERs kept in flight for thousands of saves: every receive batch is full, and the requests parked
        // before it must still run again and give back their fetch slots. (They once waited behind full batches
        // with their slots held; past 256 slots every save went synchronous, one round trip each.)
        using RedisServer redis = RedisServer.Start();
        using ServerProcess node = ServerProcess.StartScript(Script(redis.Url, queryTimeoutMs: 5000), _dir, durability: null, null,
            TwoCpus ? ["--cpus", "0"] : []);
        using (UdpClient ua = Client())
        {
            WarmUp(ua, new IPEndPoint(IPAddress.Loopback, node.Port), 999_999);
        }

        var load = new RegisterLoad(new IPEndPoint(IPAddress.Loopback, node.Port), window: 256, prefix: "sus");
        var client = new Thread(() => load.Run(TimeSpan.FromSeconds(60)));
        client.Start();
        try
        {
            Assert.True(SpinWait.SpinUntil(() => load.AckedCount >= 5000, 60_000), $"{load.AckedCount} acknowledged in 60 s, {load.Failed} failed");
        }
        finally
        {
            load.Stop();
            Assert.True(client.Join(TimeSpan.FromSeconds(30)));
        }

        Assert.Equal(0, node.Terminate(10_000));
        Match line = RoundTripsLine().Match(node.Output);
        Assert.True(line.Success, node.Output);
        long operations = long.Parse(line.Groups[1].Value);
        long roundTrips = long.Parse(line.Groups[2].Value);
        Assert.True(operations >= 2 * 5000, node.Output);
        Assert.True(roundTrips * 4 < operations, $"{roundTrips} round trips for {operations} operations: saves went synchronous\n{node.Output}");
        Match parked = Regex.Match(node.Output, @"parked for the location store (\d+), run again (\d+), parking full (\d+)");
        Assert.True(parked.Success, node.Output);
        Assert.True(long.Parse(parked.Groups[1].Value) >= 5000, node.Output);
    }

    [Fact]
    public void DurabilitySyncAnswers200OnlyOnceAReplicaHasTheBindingAnd500WithRetryAfterWithoutOne()
    {
        using RedisServer primary = RedisServer.Start();
        using RedisServer replica = RedisServer.StartReplicaOf(primary);
        using ServerProcess node = ServerProcess.StartScript(Script(primary.Url), _dir, durability: "sync");
        Assert.Contains("durability sync: every 200 OK waits until a replica has the binding (WAIT)", node.Output, StringComparison.Ordinal);
        using UdpClient ua = Client();
        var target = new IPEndPoint(IPAddress.Loopback, node.Port);

        // Each 200 OK left after WAIT: the replica has the binding at the moment the 200 arrives.
        for (int user = 1; user <= 10; user++)
        {
            string reply = RegisterClient.Exchange(ua, target, RegisterClient.Register("sync", user, withContact: true, cseq: 1));
            Assert.StartsWith("SIP/2.0 200 OK", reply, StringComparison.Ordinal);
            Assert.Equal(user.ToString(), replica.Command("DBSIZE"));
        }

        // No replica to acknowledge: WAIT answers 0 after its timeout (half of query_timeout) and the REGISTER gets 500.
        replica.Kill();
        long start = Stopwatch.GetTimestamp();
        string refused = RegisterClient.Exchange(ua, target, RegisterClient.Register("sync", 99, withContact: true, cseq: 1));
        Assert.StartsWith("SIP/2.0 500 ", refused, StringComparison.Ordinal);
        Assert.Contains("Retry-After: 5\r\n", refused, StringComparison.Ordinal);
        Assert.True(Stopwatch.GetElapsedTime(start) >= TimeSpan.FromMilliseconds(400), "the 500 came before WAIT's timeout");

        Assert.Equal(0, node.Terminate(10_000));
        Assert.Contains("not replicated 1,", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryRegisterAcknowledgedInSyncModeIsFoundAfterAClusterPrimaryIsKilledUnderLoad()
    {
        // 3 primaries with a replica each, appendonly yes; Hyperproxy with durability sync (WAIT for a replica).
        RedisServer[] cluster = RedisServer.StartCluster(replicas: true, appendOnly: true);
        try
        {
            using ServerProcess node = ServerProcess.StartScript(Script(cluster[0].Url, queryTimeoutMs: 1000), _dir, durability: "sync");
            var load = new RegisterLoad(new IPEndPoint(IPAddress.Loopback, node.Port), window: 32, prefix: "fo");
            var client = new Thread(() => load.Run(TimeSpan.FromSeconds(60)));
            client.Start();
            try
            {
                Assert.True(SpinWait.SpinUntil(() => load.AckedCount >= 200, 30_000), "200 REGISTERs acknowledged before the kill");

                // SIGKILL a primary that holds slots, in the middle of the load.
                RedisServer victim = cluster.First(n => n.Command("INFO replication").Contains("role:master", StringComparison.Ordinal)
                    && n.Command("DBSIZE") != "0");
                victim.Kill();
                RedisServer survivor = cluster.First(n => n.Pid is not null);
                RedisServer.WaitFor(() => survivor.Command("CLUSTER INFO").Contains("cluster_state:ok", StringComparison.Ordinal)
                    && survivor.Command("CLUSTER NODES").Split('\n').Count(l => l.Contains("master", StringComparison.Ordinal)
                        && !l.Contains("fail", StringComparison.Ordinal)) == 3, "a replica to take over");

                // The load goes on after the failover until more are acknowledged on the new topology. The promoted
                // replica has no replica of its own, so its shard's REGISTERs now get 500 after WAIT's timeout (sync
                // promises a second copy); the other shards' go on being acknowledged.
                int atFailover = load.AckedCount;
                bool more = SpinWait.SpinUntil(() => load.AckedCount >= atFailover + 20, 30_000);
                Assert.True(more, $"REGISTERs acknowledged after the failover: {load.AckedCount - atFailover}, failed {load.Failed}\n{node.Output}");
            }
            finally
            {
                load.Stop();
                Assert.True(client.Join(TimeSpan.FromSeconds(30)));
            }

            // Every user whose REGISTER got 200 OK has its binding in the cluster now (read through a fresh client).
            RedisServer alive = cluster.First(n => n.Pid is not null);
            Assert.True(Location.Redis.RedisLocationUrl.TryParse(alive.Url, out Location.Redis.RedisLocationUrl? url, out string error), error);
            using var store = Location.Redis.RedisLocationStore.Open(new Location.Redis.RedisLocationOptions { Url = url!, QueryTimeout = TimeSpan.FromSeconds(10) });
            RedisServer.WaitFor(() => store.IsConnected, "a client on the cluster after the failover");
            using Location.ILocationSession session = store.NewSession();
            var buffer = new byte[64 * 1024];
            var missing = new List<int>(load.Acked);
            RedisServer.WaitFor(() =>
            {
                missing.RemoveAll(user => session.Read(Encoding.ASCII.GetBytes("u" + user), buffer, out _) == Location.ReadStatus.Found);
                return missing.Count == 0;
            }, "every acknowledged binding to be found");
            Assert.Empty(missing);
        }
        finally
        {
            foreach (RedisServer n in cluster)
            {
                n.Dispose();
            }
        }
    }
}
