using Hyperproxy.Modules;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Tests.Proxy;

/// <summary>
/// pike's automatic mode (<c>check_route</c>) through the worker's pipeline: every received message is counted before
/// the script, a flooding source's requests, replies and garbage are dropped silently, a source the check route drops
/// is exempt, and everyone else is served.
/// </summary>
public sealed class PikeAutomaticModeTests
{
    private static readonly NetAddress Flooder = NetAddress.FromIPv4(127, 0, 0, 2, 5060);
    private static readonly NetAddress Exempt = NetAddress.FromIPv4(127, 0, 0, 5, 5060);
    private static readonly NetAddress Other = NetAddress.FromIPv4(10, 9, 9, 9, 5060);

    private const string Script = """
        loadmodule "sl.so"
        loadmodule "pike.so"
        modparam("pike", "check_route", "pike")
        modparam("pike", "reqs_density_per_unit", 20)
        route[pike] {
            if ($si == "127.0.0.5") { drop; }
        }
        route {
            sl_send_reply(200, "OK");
        }
        """;

    private static (ProxyHarness Proxy, ModuleCatalog Catalog) Start()
    {
        var catalog = new ModuleCatalog();
        CompiledScript script = catalog.CompileText(Script, "pike.cfg");
        catalog.Pike.Table!.Clock = () => 100_000; // one sampling window for the whole test
        return (new ProxyHarness(script: script), catalog);
    }

    [Fact]
    public void FlooderIsDroppedBeforeTheScriptWhileOthersAreServed()
    {
        (ProxyHarness proxy, ModuleCatalog catalog) = Start();
        using ProxyHarness _ = proxy;
        int flooderAnswers = 0, otherAnswers = 0;
        for (int i = 0; i < 200; i++)
        {
            flooderAnswers += proxy.Send(StatelessProxyRequestTests.Invite(), Flooder).Length;
            if (i % 20 == 0)
            {
                otherAnswers += proxy.Send(StatelessProxyRequestTests.Invite(), Other).Length;
            }
        }

        Assert.Equal(26, flooderAnswers); // the 27th request turns 127.0.0.2 red (see PikeTests), from then on dropped
        Assert.Equal(10, otherAnswers);
        Assert.Equal(200 - 26, proxy.Counters.RequestsDropped);
        Assert.Equal(["127.0.0.2"], catalog.Pike.BlockedAddresses());
    }

    [Fact]
    public void SourceTheCheckRouteDropsIsExempt()
    {
        (ProxyHarness proxy, ModuleCatalog catalog) = Start();
        using ProxyHarness _ = proxy;
        int answers = 0;
        for (int i = 0; i < 200; i++)
        {
            answers += proxy.Send(StatelessProxyRequestTests.Invite(), Exempt).Length;
        }

        Assert.Equal(200, answers);
        Assert.Equal(0, catalog.Pike.Table!.NodeCount); // never counted
    }

    [Fact]
    public void RepliesAndGarbageFromAFlooderAreDroppedAndCounted()
    {
        (ProxyHarness proxy, ModuleCatalog catalog) = Start();
        using ProxyHarness _ = proxy;
        for (int i = 0; i < 30; i++)
        {
            proxy.Send("this is not SIP\r\n\r\n", Flooder); // unparsable: counted without running the check route
        }

        Assert.Single(catalog.Pike.BlockedAddresses());
        long dropped = proxy.Counters.RequestsDropped + proxy.Counters.Garbage;
        Assert.True(dropped >= 3); // the 28th..30th datagrams, dropped
        Assert.Empty(proxy.Send(StatelessProxyRequestTests.Invite(), Flooder));
        Assert.Equal(dropped + 1, proxy.Counters.RequestsDropped + proxy.Counters.Garbage);
        proxy.Send("SIP/2.0 200 OK\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-x\nFrom: <sip:a@b>;tag=1\nTo: <sip:a@b>;tag=2\nCall-ID: x\nCSeq: 1 INVITE\nContent-Length: 0\n\n", Flooder);
        Assert.Equal(1, proxy.Counters.RepliesDropped);
    }
}
