using Hyperproxy.Modules.Pike;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Tests.Pike;

public sealed class PikeTests
{
    private static readonly NetAddress Flooder = NetAddress.FromIPv4(127, 0, 0, 2, 5060);
    private static readonly NetAddress Other = NetAddress.FromIPv4(127, 0, 0, 3, 5060);

    private static PikeTable Table(ref long now, int density = 10)
    {
        var t = new PikeTable(1024, samplingSeconds: 2, density: density, removeLatencySeconds: 10);
        return t;
    }

    [Fact]
    public void SourceIsBlockedAtTheDensityOnceThenRefusedWhileOthersPass()
    {
        long now = 100_000;
        PikeTable t = Table(ref now);
        t.Clock = () => now;
        for (int i = 1; i < 10; i++)
        {
            Assert.Equal(1, t.Hit(Flooder));
        }

        Assert.Equal(-2, t.Hit(Flooder));
        Assert.Equal(-1, t.Hit(Flooder.WithPort(40000))); // same address, other port (another worker's share)
        Assert.Equal(1, t.Hit(Other));
        Assert.Single(t.Blocked());
    }

    [Fact]
    public void BlockLastsWhileTheRateStaysAndEndsAtTheFirstCalmWindow()
    {
        long now = 100_000;
        PikeTable t = Table(ref now);
        t.Clock = () => now;
        for (int i = 0; i < 10; i++)
        {
            t.Hit(Flooder);
        }

        now += 2000; // next window: the previous one was hot
        Assert.Equal(-1, t.Hit(Flooder));
        now += 2000; // the window before had one hit: calm again
        var released = new List<NetAddress>();
        Assert.Equal(1, t.Hit(Flooder, released));
        Assert.Single(released);
        Assert.Empty(t.Blocked());
    }

    [Fact]
    public void SweepUnblocksASilentSourceAndFreesIdleSlots()
    {
        long now = 100_000;
        PikeTable t = Table(ref now);
        t.Clock = () => now;
        for (int i = 0; i < 10; i++)
        {
            t.Hit(Flooder);
        }

        now += 4100;
        var released = new List<NetAddress>();
        t.Hit(Other, released); // any check may run the once-a-second sweep
        Assert.Single(released);
        Assert.Equal("127.0.0.2", Format(released[0]));
    }

    [Fact]
    public void Ipv6SourcesAreCountedAndListed()
    {
        long now = 100_000;
        PikeTable t = Table(ref now, density: 3);
        t.Clock = () => now;
        NetAddress v6 = NetAddress.IPv6Loopback(5060);
        t.Hit(v6);
        t.Hit(v6);
        Assert.Equal(-2, t.Hit(v6));
        Assert.Equal("[::1]", Format(Assert.Single(t.Blocked())));
    }

    [Fact]
    public void FullTableFailsOpenAndCounts()
    {
        var t = new PikeTable(64, 2, 1000, 10) { Clock = () => 100_000 };
        for (int i = 0; i < 2000; i++)
        {
            Assert.Equal(1, t.Hit(NetAddress.FromIPv4(10, 0, (byte)(i >> 8), (byte)i, 5060)));
        }

        Assert.True(t.Full > 0);
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

        Assert.InRange(flooderAnswers, 19, 60); // blocked after about one density's worth (more only if a window boundary passed)
        Assert.Equal(10, otherAnswers);
        Assert.Contains(h.Logs, l => l == "PIKE - BLOCKing ip 127.0.0.2");
        Assert.Equal(["127.0.0.2"], h.Catalog.Pike.BlockedAddresses());
    }

    [Fact]
    public void CheckRouteIsRefusedAtStartUp()
    {
        var catalog = new ModuleCatalog();
        Assert.Null(catalog.TryLoadText("loadmodule \"pike.so\"\nmodparam(\"pike\", \"check_route\", \"pike\")\nroute { exit; }\n", "a.cfg", out var errors));
        Assert.Contains("automatic mode (check_route) is not built", Assert.Single(errors).ToString());
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
