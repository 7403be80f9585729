using Hyperproxy.Proxy.Transactions;
using Xunit.Abstractions;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// The bound for 200k calls in flight: at most 1 KiB of managed memory per transaction beyond the message
/// bytes it keeps. The figure is everything this thread allocated while the calls were set up (slots, branches,
/// timer and index arrays as they grow, buffers with their slack and headers, and the arrays that growth left
/// behind), minus the bytes of the messages kept — an upper bound on what the held transactions retain, immune to
/// other tests running at the same time. The 180's relay and the 100 Trying go to a preallocated batch.
/// </summary>
public sealed class TmMemoryTests(ITestOutputHelper output)
{
    private const string RecordRouteScript = TmHarness.Head + "loadmodule \"rr.so\"\nmodparam(\"tm\", \"max_transactions\", 262144)\n"
        + "route {\n  if (has_totag()) { loose_route(); t_relay(); exit; }\n  record_route();\n  $du = \"sip:127.0.0.2:5070\";\n  t_relay();\n}\n";

    [Theory]
    [InlineData(20_000)]
    [InlineData(50_000)]
    public void HeldInviteTransactionsCostAtMostOneKibEachBeyondTheirMessages(int calls)
    {
        var flow = new TmAllocationTests.CallFlow(RecordRouteScript);
        flow.Hold(1); // the script's and the proxy's first-use allocations
        long messagesBefore = flow.MessageBytes();
        long before = GC.GetAllocatedBytesForCurrentThread();
        flow.Hold(calls);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long messages = flow.MessageBytes() - messagesBefore;

        Assert.Equal(calls + 1, flow.Table.Count);
        double perCall = (double)(allocated - messages) / calls;
        output.WriteLine($"{calls} held INVITE transactions: {allocated / calls} B allocated per call, of which "
            + $"{messages / calls} B message bytes kept: {perCall:F0} B of overhead per transaction");
        Assert.True(perCall <= 1024, $"{perCall:F0} B per held transaction beyond its {messages / calls} B of messages");
    }

    [Fact]
    public void AHeldTransactionCreatesOneBranchAndArmsOnlyItsTimerC()
    {
        var flow = new TmAllocationTests.CallFlow(RecordRouteScript);
        flow.Hold(1000);
        TransactionTable table = flow.Table;
        for (int i = 0; i < table.Created; i++)
        {
            Assert.Equal(1, table[i].BranchesCreated);
        }

        Assert.Equal(1000, table.Timers.Armed); // Timer C of each branch; Timer A stopped by the 180, no final yet
    }
}
