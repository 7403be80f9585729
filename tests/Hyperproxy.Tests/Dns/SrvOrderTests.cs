using Hyperproxy.Proxy.Dns;

namespace Hyperproxy.Tests.Dns;

/// <summary>RFC 2782's target selection: lower priority first; within a priority, weighted random (a seeded generator, bounds on the shares).</summary>
public sealed class SrvOrderTests
{
    private static DnsRecord Srv(string target, ushort priority, ushort weight) => new() { Type = DnsType.Srv, Target = target, Priority = priority, Weight = weight };

    [Fact]
    public void LowerPriorityAlwaysComesFirst()
    {
        var random = new Random(1);
        List<DnsRecord> records = [Srv("c", 30, 100), Srv("a", 10, 0), Srv("b", 20, 1000)];
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(["a", "b", "c"], SipLocator.OrderSrv(records, random).Select(r => r.Target).ToArray());
        }
    }

    [Fact]
    public void WithinAPriorityEachIsFirstInProportionToItsWeight()
    {
        var random = new Random(12345);
        List<DnsRecord> records = [Srv("light", 10, 10), Srv("heavy", 10, 30), Srv("backup", 20, 50)];
        int heavyFirst = 0;
        const int Runs = 8000;
        for (int i = 0; i < Runs; i++)
        {
            List<DnsRecord> ordered = SipLocator.OrderSrv(records, random);
            Assert.Equal(3, ordered.Count);
            Assert.Equal("backup", ordered[2].Target);
            heavyFirst += ordered[0].Target == "heavy" ? 1 : 0;
        }

        double share = heavyFirst / (double)Runs;
        Assert.InRange(share, 0.70, 0.80); // 30 / (10 + 30) = 0.75
    }

    [Fact]
    public void ZeroWeightIsRarelyFirstButAlwaysTried()
    {
        var random = new Random(99);
        List<DnsRecord> records = [Srv("zero", 5, 0), Srv("one", 5, 100)];
        int zeroFirst = 0;
        for (int i = 0; i < 4000; i++)
        {
            List<DnsRecord> ordered = SipLocator.OrderSrv(records, random);
            Assert.Equal(2, ordered.Count);
            zeroFirst += ordered[0].Target == "zero" ? 1 : 0;
        }

        Assert.InRange(zeroFirst, 0, 100); // 1 / 101 of the picks
    }

    [Fact]
    public void AllZeroWeightsAreAllKept()
    {
        List<DnsRecord> ordered = SipLocator.OrderSrv([Srv("a", 1, 0), Srv("b", 1, 0), Srv("c", 1, 0)], new Random(3));
        Assert.Equal(["a", "b", "c"], ordered.Select(r => r.Target).Order().ToArray());
    }
}
