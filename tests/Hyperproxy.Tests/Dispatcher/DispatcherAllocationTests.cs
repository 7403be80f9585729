using Hyperproxy.Testing;
using Hyperproxy.Tests.Tm;
using Row = Hyperproxy.Tests.Dispatcher.DispatcherTable.Row;

namespace Hyperproxy.Tests.Dispatcher;

/// <summary>Whole call flows through ds_select_dst (with a failover list in AVPs kept by tm) and t_relay allocate nothing.</summary>
public sealed class DispatcherAllocationTests : IDisposable
{
    private readonly DispatcherTable _table = new(new Row(1, "sip:127.0.0.2:5070"), new Row(1, "sip:127.0.0.3:5070"), new Row(1, "sip:127.0.0.4:5070"));

    public void Dispose() => _table.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(6)]
    public void FiftyThousandDispatchedCallFlowsAllocateNothing(int alg)
    {
        string script = TmHarness.Head + "loadmodule \"rr.so\"\nloadmodule \"dispatcher.so\"\n"
            + $"modparam(\"dispatcher\", \"db_url\", \"{_table.DbUrl}\")\n"
            + "route {\n  if (has_totag()) { loose_route(); t_relay(); exit; }\n  record_route();\n  t_on_failure(\"f\");\n"
            + $"  if (!ds_select_dst(1, {alg}, \"f\")) {{ t_reply(503, \"No Destination\"); exit; }}\n  t_relay();\n}}\n"
            + "failure_route[f] { if (ds_next_dst()) t_relay(); }\n";
        var flow = new TmAllocationTests.CallFlow(script);
        flow.Calls(2_000);
        Assert.Equal(0, Allocations.Least(() => flow.Calls(50_000)));
        Assert.True(flow.Relayed >= 50_000 * 3L, $"relayed {flow.Relayed}");
    }
}
