using Hyperproxy.Modules.Pike;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Tests.Pike;

public sealed class PikeTests
{
    private static readonly NetAddress Flooder = NetAddress.FromIPv4(127, 0, 0, 2, 5060);
    private static readonly NetAddress Other = NetAddress.FromIPv4(127, 0, 0, 3, 5060);

    private static PikeTable Table(Func<long> clock, int density = 20, int removeLatency = 10) =>
        new(1024, samplingSeconds: 2, density: density, removeLatencySeconds: removeLatency) { Clock = clock };

    /// <summary>Hits until the first -2; how many that took (bounded).</summary>
    private static int HitsToBlock(PikeTable t, NetAddress source, int bound = 1000)
    {
        for (int i = 1; i <= bound; i++)
        {
            int r = t.Hit(source);
            if (r != 1)
            {
                Assert.Equal(-2, r);
                return i;
            }
        }

        return -1;
    }

    [Fact]
    public void NewSourceGrowsItsPrefixesThenTurnsRedAtTheDensity()
    {
        long now = 100_000;
        PikeTable t = Table(() => now);

        // N = 20: the first byte's node reaches N/4 = 5 hits, then one hit per level grows 127.0 and 127.0.0 and the
        // leaf 127.0.0.2, whose own hits reach N at the 27th request (OpenSIPS's tree: between N and about 1.5 N).
        Assert.Equal(27, HitsToBlock(t, Flooder));
        Assert.Equal(-1, t.Hit(Flooder.WithPort(40000))); // same address, other port (another worker's share)
        Assert.Equal(1, t.Hit(Other));
        Assert.Equal([Flooder.WithPort(0)], t.Blocked());
        Assert.Equal(5, t.NodeCount); // 127, 127.0, 127.0.0, the flooder's leaf, and now the other's leaf
    }

    [Fact]
    public void AddressUnderAnExpandedPrefixNeedsOnlyTheDensity()
    {
        long now = 100_000;
        PikeTable t = Table(() => now);
        HitsToBlock(t, Flooder);

        // 127.0.0 is warm: the other address gets its leaf at once, then N hits turn it red.
        Assert.Equal(21, HitsToBlock(t, Other));
        Assert.Equal(2, t.Blocked().Count);
    }

    [Fact]
    public void PrefixTrafficAloneBlocksNobody()
    {
        long now = 100_000;
        PikeTable t = Table(() => now);

        // 200 sources of 10.1.1.0/24, 5 requests each in one window: the prefix nodes are hot, no address is.
        for (int round = 0; round < 5; round++)
        {
            for (int host = 1; host <= 200; host++)
            {
                Assert.Equal(1, t.Hit(NetAddress.FromIPv4(10, 1, 1, (byte)host, 5060)));
            }
        }

        Assert.Empty(t.Blocked());
    }

    [Fact]
    public void BlockLastsWhileTheRateStaysAndEndsAtTheFirstCalmWindow()
    {
        long now = 100_000; // window 50 of 2 s
        PikeTable t = Table(() => now);
        HitsToBlock(t, Flooder);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(-1, t.Hit(Flooder));
        }

        now += 2000; // window 51: the previous one was hot, the address stays red
        Assert.Equal(-1, t.Hit(Flooder));
        var released = new List<NetAddress>();
        t.Sweep(now, released);
        Assert.Empty(released);
        Assert.Single(t.Blocked());

        now += 1000; // still window 51
        t.Sweep(now, released);
        Assert.Empty(released);

        now += 1000; // window 52: window 51 had one request: calm, the sweep unblocks it
        t.Sweep(now, released);
        Assert.Equal([Flooder.WithPort(0)], released);
        Assert.Empty(t.Blocked());
        Assert.Equal(1, t.Hit(Flooder));
    }

    [Fact]
    public void SilentSourceIsUnblockedByTheSweepOfAnotherSourcesRequest()
    {
        long now = 100_000;
        PikeTable t = Table(() => now);
        HitsToBlock(t, Flooder);
        now += 4100;
        var released = new List<NetAddress>();
        Assert.Equal(1, t.Hit(Other, released)); // any check may run the once-a-second sweep
        Assert.Equal("127.0.0.2", Format(Assert.Single(released)));
    }

    [Fact]
    public void FlooderThatResumesAfterACalmWindowIsBlockedAgainAtTheDensity()
    {
        long now = 100_000;
        PikeTable t = Table(() => now);
        HitsToBlock(t, Flooder);
        now += 4000; // two windows later
        var released = new List<NetAddress>();
        Assert.Equal(1, t.Hit(Flooder, released));
        Assert.Single(released);
        Assert.Equal(20, 1 + HitsToBlock(t, Flooder)); // the leaf is still there: N requests in the window
    }

    [Fact]
    public void IdleNodesAreForgottenAfterRemoveLatency()
    {
        long now = 100_000;
        PikeTable t = Table(() => now, removeLatency: 10);
        HitsToBlock(t, Flooder);
        now += 4000;
        t.Sweep(now, null); // unblocked at 104 s; last hit at 100 s
        Assert.Equal(0, t.Unblock(Flooder)); // in the tree, not blocked

        now = 100_000 + 10_000;
        t.Sweep(now, null);
        Assert.Equal(0, t.Unblock(Flooder)); // exactly remove_latency: kept

        now += 1000;
        t.Sweep(now, null);
        Assert.Equal(-1, t.Unblock(Flooder)); // idle longer than remove_latency: gone

        // Each parent goes remove_latency after its last child (OpenSIPS re-arms a parent when its last kid goes):
        // 127.0.0, then 127.0, then 127, about 11 s apart.
        int seconds = 0;
        for (; seconds < 60 && t.NodeCount > 0; seconds++)
        {
            now += 1000;
            t.Sweep(now, null);
        }

        Assert.Equal(0, t.NodeCount);
        Assert.InRange(seconds, 30, 36);
    }

    [Fact]
    public void Ipv6SourcesGrowSixteenLevelsAndAreListed()
    {
        long now = 100_000;
        PikeTable t = Table(() => now, density: 3);
        NetAddress v6 = NetAddress.IPv6Loopback(5060);

        // N = 3: N/4 = 0, so every prefix hit grows a level: 15 hits to reach the leaf's parent, one for the leaf,
        // then 3 leaf hits.
        Assert.Equal(19, HitsToBlock(t, v6));
        Assert.Equal(1, t.Hit(NetAddress.IPv4Loopback(5060))); // IPv4 keeps its own tree
        Assert.Equal("[::1]", Format(Assert.Single(t.Blocked())));
    }

    [Fact]
    public void FullTableFailsOpenAndCounts()
    {
        var t = new PikeTable(64, 2, 1000, 10) { Clock = () => 100_000 };
        for (int i = 0; i < 2000; i++)
        {
            Assert.Equal(1, t.Hit(NetAddress.FromIPv4((byte)i, 0, (byte)(i >> 8), 1, 5060)));
        }

        Assert.True(t.Full > 0);
        Assert.True(t.NodeCount <= 64);
    }

    [Fact]
    public void SourceSpreadOverWorkersIsBlockedOnceOnOneNode()
    {
        long now = 100_000;
        PikeTable t = Table(() => now, density: 1000);
        int blockedNow = 0, refused = 0;
        var threads = new Thread[2];
        for (int w = 0; w < threads.Length; w++)
        {
            int port = 40000 + w;
            threads[w] = new Thread(() =>
            {
                for (int i = 0; i < 2000; i++)
                {
                    int r = t.Hit(Flooder.WithPort(port));
                    if (r == -2)
                    {
                        Interlocked.Increment(ref blockedNow);
                    }
                    else if (r == -1)
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
            });
            threads[w].Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)));
        }

        // 4000 requests in one window from one address: one detection, the rest refused once the leaf reached N.
        Assert.Equal(1, blockedNow);
        Assert.InRange(refused, 4000 - 1000 - 300, 4000 - 1000);
    }

    [Fact]
    public void ScriptFloodIsAnsweredForTheOtherSource()
    {
        var h = new ModuleHarness("""
            route {
                if (!pike_check_req()) { exit; }
                sl_send_reply(200, "OK");
            }
            """, "loadmodule \"pike.so\"\nmodparam(\"pike\", \"reqs_density_per_unit\", 20)\n");
        int flooderAnswers = 0, otherAnswers = 0;
        for (int i = 0; i < 500; i++)
        {
            flooderAnswers += h.Run(Requests.Invite(), from: Flooder).Count;
            if (i % 50 == 0)
            {
                otherAnswers += h.Run(Requests.Invite(), from: Other).Count;
            }
        }

        Assert.InRange(flooderAnswers, 24, 80); // blocked once the tree grew (the other source's requests count on the shared prefixes) and the leaf saw one density's worth
        Assert.Equal(10, otherAnswers);
        Assert.Contains(h.Logs, l => l == "PIKE - BLOCKing ip 127.0.0.2");
        Assert.Equal(["127.0.0.2"], h.Catalog.Pike.BlockedAddresses());
    }

    [Fact]
    public void CheckRouteThatDoesNotExistIsRefusedAtStartUp()
    {
        var catalog = new ModuleCatalog();
        Assert.Null(catalog.TryLoadText("loadmodule \"pike.so\"\nmodparam(\"pike\", \"check_route\", \"pike\")\nroute { exit; }\n", "a.cfg", out var errors));
        Assert.Contains("a.cfg:2:", Assert.Single(errors).ToString());
        Assert.Contains("the script has no route[pike]", errors[0].ToString());
    }

    [Fact]
    public void BlockedEventRouteIsRefusedBecauseNoEventIsRaised()
    {
        var catalog = new ModuleCatalog();
        Assert.Null(catalog.TryLoadText("loadmodule \"pike.so\"\nroute { exit; }\nevent_route[E_PIKE_BLOCKED] { exit; }\n", "a.cfg", out var errors));
        Assert.Contains("no event interface", Assert.Single(errors).ToString());
    }

    [Fact]
    public void TableIsAllocatedOnlyWhenTheScriptLoadsPike()
    {
        var without = new ModuleCatalog();
        without.CompileText("route { exit; }\n");
        Assert.Null(without.Pike.Table);

        var with = new ModuleCatalog();
        with.CompileText("loadmodule \"pike.so\"\nmodparam(\"pike\", \"max_nodes\", 5000)\nroute { exit; }\n");
        Assert.Equal(8192, with.Pike.Table!.Capacity);
    }

    [Fact]
    public void PikeListPrintsIpv6AsOpenSipsDoes()
    {
        var catalog = new ModuleCatalog();
        catalog.CompileText("loadmodule \"pike.so\"\nmodparam(\"pike\", \"reqs_density_per_unit\", 1)\nroute { exit; }\n");
        PikeTable t = catalog.Pike.Table!;
        t.Clock = () => 100_000;
        NetAddress v6 = NetAddress.FromIPv6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0x01, 0, 1], 5060);
        Assert.Equal(17, HitsToBlock(t, v6));
        Assert.Equal(["201:db8:00:00:00:00:a1:01"], catalog.Pike.BlockedAddresses());
    }

    [Fact]
    public void CheckAllocatesNothing()
    {
        var t = new PikeTable(1024, 2, 1_000_000, 10);
        t.Hit(Flooder);
        long allocated = Hyperproxy.Testing.Allocations.Least(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                t.Hit(Flooder);
            }
        });
        Assert.Equal(0, allocated);
    }

    private static string Format(NetAddress a)
    {
        Span<byte> b = stackalloc byte[NetAddress.MaxFormattedLength];
        Assert.True(a.TryFormatHost(b, out int n));
        return System.Text.Encoding.ASCII.GetString(b[..n]);
    }
}
