using Hyperproxy.Transport;
using static Hyperproxy.Tests.Tm.TmHarness;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// tm's kernel shedding, steered on the harness's manual clock: the worker asks its I/O
/// (<see cref="DatagramBatch.InviteShedThreshold"/>) to drop a share of the INVITEs in the kernel once the queue a receive
/// leaves passes 60% of overload_queue_threshold, holds the share while the queue stays between 20% and 60% of it, and
/// gives it back once the queue is short or drained; the kernel filter itself is tested in the transport's
/// InviteShedFilterTests.
/// </summary>
public sealed class TmKernelShedTests : IDisposable
{
    private const long Buffer = 8_000_000;
    private readonly TmHarness _tm = new();
    private readonly DatagramBatch _received = new(64, 2048);
    private readonly DatagramBatch _outgoing = new(256, 2048);

    public void Dispose() => _tm.Dispose();

    /// <summary>One receive turn 10 ms after the last, whose receive left <paramref name="percent"/> of the buffer queued.</summary>
    private int Turn(int percent)
    {
        _tm.Clock.Advance(10);
        _received.Clear();
        _received.SetBacklog(Buffer * percent / 100, percent == 0 ? 0 : Buffer);
        _outgoing.Clear();
        _tm.Proxy.Handle(_received, _outgoing);
        return _tm.Proxy.TmShedPermille;
    }

    [Fact]
    public void ABacklogAboveItsMarkShedsATenthMoreOfTheInvitesEachIntervalThenHoldsAndGivesItBack()
    {
        // A backlog of 20%, under the mark (30% of the buffer: 60% of the default threshold of 50%): nothing shed.
        Assert.Equal(0, Turn(20));
        Assert.Equal(0u, _received.InviteShedThreshold);

        // 40%: a tenth fewer INVITEs pass each interval; the worker is not "behind" yet (that is 50%), so nothing is refused.
        int[] rising = [Turn(40), Turn(40), Turn(40), Turn(40)];
        Assert.Equal([100, 190, 271, 344], rising);
        Assert.Equal(InviteShedFilter.ThresholdFor(344), _received.InviteShedThreshold);
        Assert.False(_tm.Proxy.TmOverloaded);
        Assert.Equal(344, _tm.Counters.TmShedPermille);
        Assert.Equal(4, _tm.Counters.TmShedChanges);

        // Between 10% and 30% the share holds.
        Assert.Equal(344, Turn(15));
        Assert.Equal(344, Turn(29));

        // Short queues give 3% back per interval, a drained one a tenth, down to none: the filter is detached.
        Assert.Equal(324, Turn(5)); // passing 656 -> 676
        int last = 324;
        for (int i = 0; i < 40 && last > 0; i++)
        {
            last = Turn(0);
        }

        Assert.Equal(0, last);
        Assert.Equal(0u, _received.InviteShedThreshold);
        Assert.Equal(0, _tm.Counters.TmShedPermille);
    }

    [Fact]
    public void AtMost97PercentIsShedAndASecondTurnWithinTheIntervalChangesNothing()
    {
        for (int i = 0; i < 60; i++)
        {
            Turn(80);
        }

        Assert.Equal(970, _tm.Proxy.TmShedPermille);

        // Within the same 10 ms: no change, whatever the queue.
        _received.Clear();
        _received.SetBacklog(0, 0);
        _tm.Proxy.Handle(_received, _outgoing);
        Assert.Equal(970, _tm.Proxy.TmShedPermille);
    }

    [Fact]
    public void AnIoThatCannotFilterOrTheParameterOffLeavesEverythingToTheWorker()
    {
        _received.InviteShedUnsupported = true;
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(0, Turn(80));
        }

        using var off = new TmHarness(Head + "modparam(\"tm\", \"overload_kernel_shed\", 0)\nroute { t_relay(); }\n");
        var received = new DatagramBatch(64, 2048);
        var outgoing = new DatagramBatch(64, 2048);
        for (int i = 0; i < 5; i++)
        {
            off.Clock.Advance(10);
            received.Clear();
            received.SetBacklog(Buffer * 80 / 100, Buffer);
            off.Proxy.Handle(received, outgoing);
        }

        Assert.Equal(0, off.Proxy.TmShedPermille);
        Assert.Equal(0u, received.InviteShedThreshold);
        Assert.True(off.Proxy.TmOverloaded); // the worker's own refusal still works
    }
}
