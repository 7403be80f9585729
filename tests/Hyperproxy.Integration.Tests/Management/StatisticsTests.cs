using System.Net;
using System.Text.Json.Nodes;
using Hyperproxy.Integration.Tests.Infrastructure;
using Hyperproxy.Testing;

namespace Hyperproxy.Integration.Tests.Management;

/// <summary>Statistics read over MI move by exactly what real traffic (sipsak) did.</summary>
public sealed class StatisticsTests(ManagedServerFixture fixture) : IClassFixture<ManagedServerFixture>
{
    private ManagedServer S => fixture.Server;

    [Fact]
    public async Task FiveOptionsRaiseRcvRequestsAndSl2xxRepliesByFive()
    {
        long requests = await S.StatAsync("core:rcv_requests");
        long ok = await S.StatAsync("sl:2xx_replies");
        long script = await S.StatAsync("dynamic:script_requests");
        for (int i = 0; i < 5; i++)
            Assert.Equal(0, (await S.PingAsync()).ExitCode);

        Assert.Equal(requests + 5, await S.WaitStatAsync("core:rcv_requests", requests + 5));
        Assert.Equal(ok + 5, await S.WaitStatAsync("sl:2xx_replies", ok + 5));
        Assert.Equal(script + 5, await S.StatAsync("dynamic:script_requests"));
        Assert.True(await S.StatAsync("sl:sent_replies") >= ok + 5);
    }

    [Fact]
    public async Task ARegisterRaisesAcceptedRegsAndTheContactCount()
    {
        long accepted = await S.StatAsync("registrar:accepted_regs");
        long rejected = await S.StatAsync("registrar:rejected_regs");
        long contacts = await S.StatAsync("usrloc:location-contacts");
        long logBytes = await S.StatAsync("usrloc:log_bytes");
        using var ua = UdpPeer.V4();
        var proxy = new IPEndPoint(IPAddress.Loopback, S.SipPort);
        ua.Send(Register("statuser", "sip:statuser@10.9.9.9", ua, "Expires: 600\r\n"), proxy);
        Assert.Contains("SIP/2.0 200 OK", (await ua.ReceiveAsync(ManagedServer.Bound))?.Text ?? "", StringComparison.Ordinal);
        // Contact: * with a non-zero Expires is refused (RFC 3261 §10.3 step 6: 400), counted as rejected.
        ua.Send(Register("statuser", "*", ua, "Expires: 600\r\n"), proxy);
        Assert.StartsWith("SIP/2.0 4", (await ua.ReceiveAsync(ManagedServer.Bound))?.Text ?? "", StringComparison.Ordinal);

        Assert.Equal(accepted + 1, await S.WaitStatAsync("registrar:accepted_regs", accepted + 1));
        Assert.Equal(rejected + 1, await S.WaitStatAsync("registrar:rejected_regs", rejected + 1));
        Assert.True(await S.WaitStatAsync("usrloc:location-contacts", contacts + 1) >= contacts + 1);
        Assert.True(await S.StatAsync("usrloc:registered_users") >= 1);
        // The new AoR's record was appended to the FASTER log, whose pages (4 MB each) are allocated as it reaches them.
        Assert.True(await S.WaitStatAsync("usrloc:log_bytes", logBytes + 1) > logBytes);
        Assert.True(await S.StatAsync("usrloc:log_memory_bytes") >= 4 << 20);
    }

    private static string Register(string user, string contact, UdpPeer ua, string extra) =>
        $"REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {ua.SentBy};branch=z9hG4bK{Guid.NewGuid():N}\r\nMax-Forwards: 70\r\n"
        + $"From: <sip:{user}@127.0.0.1>;tag=r1\r\nTo: <sip:{user}@127.0.0.1>\r\nCall-ID: {Guid.NewGuid():N}@test\r\nCSeq: 1 REGISTER\r\n"
        + $"Contact: {contact}\r\n{extra}Content-Length: 0\r\n\r\n";

    [Fact]
    public async Task GetStatisticsTakesGroupsAndAll()
    {
        var core = (JsonObject)(await S.MiAsync("get_statistics", new JsonArray(new JsonArray("core:"))))!;
        Assert.Contains("core:rcv_requests", core.Select(p => p.Key));
        Assert.Contains("core:bad_URIs_rcvd", core.Select(p => p.Key));
        Assert.All(core, p => Assert.StartsWith("core:", p.Key, StringComparison.Ordinal));
        var all = (JsonObject)(await S.MiAsync("get_statistics", new JsonArray(new JsonArray("all"))))!;
        foreach (string name in (string[])["shmem:used_size", "shmem:real_used_size", "load:load", "load:load-proc-0", "net:waiting_udp",
            "sl:received_ACKs", "usrloc:registered_users", "registrar:max_expires", "tracer:traced_messages", "core:timestamp"])
            Assert.True(all.ContainsKey(name), name);
        Assert.True((long)all["shmem:real_used_size"]! > 0);
    }

    [Fact]
    public async Task MemoryFiguresArePlausibleAndMove()
    {
        async Task<JsonObject> Memory() => (JsonObject)(await S.MiAsync("get_statistics", new JsonArray(new JsonArray("shmem:", "pkmem:"))))!;
        JsonObject first = await Memory();
        long Get(JsonObject o, string name) => (long)o[name]!;
        long total = Get(first, "shmem:total_size"), used = Get(first, "shmem:used_size"), rss = Get(first, "shmem:real_used_size");
        Assert.True(used > 0 && used < rss, $"used {used}, RSS {rss}"); // the GC heap lives inside the resident set
        Assert.True(rss < total, $"RSS {rss}, total {total}");           // the GC's limit is the machine's (or the container's) memory
        Assert.True(Get(first, "shmem:max_used_size") >= rss);
        Assert.InRange(Get(first, "shmem:free_size"), 1, total - rss + (64 << 20)); // total - RSS (a reading at most 100 ms apart)
        Assert.True(Get(first, "shmem:heap_size") > 0);
        Assert.True(Get(first, "shmem:fragments") >= 0);
        // Each worker's thread reports what it allocated (a steady worker allocates nothing, so this may well be 0).
        Assert.True(Get(first, "pkmem:0-allocated_size") >= 0 && Get(first, "pkmem:1-allocated_size") >= 0);
        // Every MI request allocates on the management threads: the heap figure moves (bounded wait).
        var deadline = DateTime.UtcNow + ManagedServer.Bound;
        long now;
        while ((now = Get(await Memory(), "shmem:used_size")) == used && DateTime.UtcNow < deadline)
            await Task.Delay(150);
        Assert.NotEqual(used, now);
    }

    [Fact]
    public async Task ListStatisticsSaysWhichAreIncrementalAndResetZeroesOnlyThose()
    {
        var list = (JsonObject)(await S.MiAsync("list_statistics", new JsonArray(new JsonArray("core:rcv_requests", "usrloc:registered_users"))))!;
        Assert.Equal("incremental", (string)list["core:rcv_requests"]!);
        Assert.Equal("non-incremental", (string)list["usrloc:registered_users"]!);

        Assert.Equal(0, (await S.PingAsync()).ExitCode);
        Assert.True(await S.WaitStatAsync("core:rcv_requests", 1) >= 1);
        Assert.Equal("OK", (string)(await S.MiAsync("reset_statistics", new JsonArray(new JsonArray("core:rcv_requests"))))!);
        Assert.Equal(0, await S.StatAsync("core:rcv_requests"));
        Assert.Equal(0, (await S.PingAsync()).ExitCode);
        Assert.Equal(1, await S.WaitStatAsync("core:rcv_requests", 1));
    }

    [Fact]
    public async Task MetricsAreThePrometheusTextFormatWithOpenSipsNames()
    {
        Assert.Equal(0, (await S.PingAsync()).ExitCode);
        using var response = await S.Http.GetAsync("metrics");
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("# TYPE opensips_rcv_requests counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE opensips_registered_users gauge\n", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^opensips_rcv_requests [1-9][0-9]*$", text);
        // The whole page follows the text format's rules (what the official parser takes), histogram included.
        List<PrometheusText.Sample> samples = PrometheusText.Parse(text);
        Assert.Contains("# TYPE opensips_request_latency_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.True(samples.Where(s => s.Name == "opensips_request_latency_seconds_count").Sum(s => s.Value) >= 1);
        Assert.Equal(2, samples.Count(s => s.Name == "opensips_request_latency_seconds_bucket" && s.Labels["le"] == "+Inf")); // two workers
        Assert.Contains("opensips_location_contacts ", text, StringComparison.Ordinal);
    }
}
