using System.Globalization;
using System.Text;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Dispatcher;

/// <summary>
/// Three SIPp callees behind a dispatching proxy (set 1; priorities 10, 5, 0), a SIPp caller making full calls
/// (INVITE/200/ACK/BYE through the Record-Route). Each algorithm spreads its calls as it should, counted at the
/// callees; a stopped callee is probed out (OPTIONS, ds_probing_mode 1, threshold 1) and the calls it would have
/// had fail over in the failure_route (ds_next_dst + t_relay) without one failed call; restarted, it answers the
/// probes and gets its share again. The same cases run against Kamailio 5.6's dispatcher
/// (<see cref="KamailioDispatcherTests"/>), which checks the scenarios, and against Hyperproxy.
/// </summary>
public abstract class DispatcherScenarioTests
{
    // Calls per algorithm, at 100/s: enough to tell a spread from a bias (about 200 each, ±12 one sigma) while the
    // rest of the suite runs next to it; DispatcherSelectionTests counts 10,000 per algorithm in memory.
    private const int Calls = 600;

    private protected abstract Task<IDispatcherProxy> StartProxyAsync(string folder, int[] callees);

    [Fact]
    public async Task EachAlgorithmSpreadsItsCallsOverTheThreeCallees()
    {
        string folder = SippRun.NewWorkFolder();
        var callees = new SippCallee[3];
        try
        {
            int[] ports = Ports.FreeUdpPorts(3);
            for (int i = 0; i < 3; i++)
            {
                callees[i] = await SippCallee.StartAsync(folder, $"callee{i + 1}", ports[i]);
            }

            await using IDispatcherProxy proxy = await StartProxyAsync(folder, ports);
            var report = new StringBuilder();
            foreach (string alg in new[] { "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a8" })
            {
                SippResult caller = await CallAsync(folder, alg, proxy.Port, Calls, rate: 100);
                Assert.True(caller.Run.ExitCode == 0 && caller.Successful == Calls, $"{alg} caller\n{caller}\n{proxy.Log}");
            }

            foreach (SippCallee c in callees)
            {
                await c.StopAsync();
            }

            foreach (string alg in new[] { "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a8" })
            {
                int[] counts = [callees[0].Invites(alg + "-"), callees[1].Invites(alg + "-"), callees[2].Invites(alg + "-")];
                report.Append(CultureInfo.InvariantCulture, $"{alg}: {counts[0]} {counts[1]} {counts[2]}\n");
                Assert.True(counts.Sum() == Calls, $"{alg}: {counts.Sum()} calls reached the callees\n{report}");
                if (alg == "a8")
                {
                    Assert.True(counts[0] == Calls, $"first available (priority 10 first)\n{report}");
                }
                else if (alg == "a4")
                {
                    Assert.True(counts.Max() - counts.Min() <= 2, $"round-robin (per worker, two workers)\n{report}");
                }
                else
                {
                    Assert.True(counts.Min() >= Calls * 25 / 100 && counts.Max() <= Calls * 42 / 100, $"{alg} spread\n{report}");
                }
            }
        }
        finally
        {
            foreach (SippCallee? c in callees)
            {
                if (c is not null)
                {
                    await c.DisposeAsync();
                }
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task AStoppedCalleeIsProbedOutItsCallsFailOverAndItGetsTrafficAgainWhenBack()
    {
        string folder = SippRun.NewWorkFolder();
        var callees = new List<SippCallee>();
        try
        {
            int[] ports = Ports.FreeUdpPorts(3);
            for (int i = 0; i < 3; i++)
            {
                callees.Add(await SippCallee.StartAsync(folder, $"callee{i + 1}", ports[i]));
            }

            await using IDispatcherProxy proxy = await StartProxyAsync(folder, ports);

            // All three up: round-robin gives each its share.
            SippResult before = await CallAsync(folder, "p1", proxy.Port, 150, rate: 50);
            Assert.True(before.Run.ExitCode == 0 && before.Successful == 150, $"before\n{before}\n{proxy.Log}");

            // The third callee stops: the calls it would get time out at the proxy (fr_timeout 2 s) and fail over,
            // until the probes mark it; not one call fails.
            await callees[2].StopAsync();
            SippResult down = await CallAsync(folder, "p2", proxy.Port, 150, rate: 30);
            Assert.True(down.Run.ExitCode == 0 && down.Successful == 150, $"while down\n{down}\n{proxy.Log}");
            Assert.True(await proxy.IsOutOfServiceAsync(ports[2]), "the stopped callee is still in service\n" + proxy.Log);

            // Back on the same port: the probes find it and the calls return to it.
            SippCallee back = await SippCallee.StartAsync(folder, "callee3-back", ports[2]);
            callees.Add(back);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            int batch = 0;
            while (back.Invites("w") == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, $"no call reached the restarted callee within 30 s (it saw {back.Options()} OPTIONS)\n{proxy.Log}");
                SippResult probe = await CallAsync(folder, $"w{batch++}", proxy.Port, 6, rate: 20);
                Assert.True(probe.Run.ExitCode == 0, $"waiting\n{probe}");
            }

            SippResult after = await CallAsync(folder, "p3", proxy.Port, 150, rate: 50);
            Assert.True(after.Run.ExitCode == 0 && after.Successful == 150, $"after\n{after}\n{proxy.Log}");
            foreach (SippCallee c in callees)
            {
                await c.StopAsync();
            }

            string counts(string p) => $"{p}: {callees[0].Invites(p)} {callees[1].Invites(p)} {callees[2].Invites(p)} back {back.Invites(p)}";
            string report = $"{counts("p1-")}\n{counts("p2-")}\n{counts("p3-")}";
            Assert.True(callees[0].Invites("p1-") >= 40 && callees[1].Invites("p1-") >= 40 && callees[2].Invites("p1-") >= 40, report);
            Assert.True(callees[0].Invites("p2-") + callees[1].Invites("p2-") == 150, report);
            Assert.True(back.Invites("p3-") >= 40, report);
            Assert.True(back.Options() > 0, "the restarted callee saw no probe\n" + report);
        }
        finally
        {
            foreach (SippCallee c in callees)
            {
                await c.DisposeAsync();
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary><paramref name="calls"/> full calls at <paramref name="rate"/>/s to Request-URI users <c>SERVICE-N</c> at the proxy.</summary>
    /// <summary>A SIPp caller on a port the system picks (<c>-p 0</c>): one picked ahead could be taken by
    /// another test between the runs that reuse it.</summary>
    private static Task<SippResult> CallAsync(string folder, string service, int proxyPort, int calls, int rate) =>
        SippRun.RunAsync(folder, "caller-" + service, 40,
            "-sf", SippRun.Scenario("Dispatcher/uac.xml"),
            "127.0.0.1:" + proxyPort.ToString(CultureInfo.InvariantCulture),
            "-s", service,
            "-i", "127.0.0.1",
            "-p", "0",
            "-m", calls.ToString(CultureInfo.InvariantCulture),
            "-r", rate.ToString(CultureInfo.InvariantCulture));
}

/// <summary>The two dispatcher classes run one after the other (each drives thousands of calls through three SIPp callees).</summary>
[CollectionDefinition(Name)]
public sealed class DispatcherCollection
{
    public const string Name = "dispatcher scenarios";
}

/// <summary>The dispatcher scenarios against Kamailio 5.6's dispatcher: proves the scenarios themselves.</summary>
[Collection(DispatcherCollection.Name)]
public sealed class KamailioDispatcherTests : DispatcherScenarioTests
{
    private protected override Task<IDispatcherProxy> StartProxyAsync(string folder, int[] callees) =>
        Task.FromResult(KamailioDispatcherProxy.Start(folder, callees));
}

/// <summary>The dispatcher scenarios against Hyperproxy's dispatcher module.</summary>
[Collection(DispatcherCollection.Name)]
public sealed class HyperproxyDispatcherTests : DispatcherScenarioTests
{
    private protected override Task<IDispatcherProxy> StartProxyAsync(string folder, int[] callees) =>
        HyperproxyDispatcherProxy.StartAsync(folder, callees);
}
