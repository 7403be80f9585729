using Hyperproxy.Sip;
using Hyperproxy.Testing;

namespace Hyperproxy.Transport.Tests;

public class ZeroAllocationTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [Fact]
    public void WorkerAllocatesNothingInSteadyState()
    {
        // Least of up to three rounds on one worker (a one-off allocation of the runtime's does not recur).
        using var pool = new WorkerPool(WorkerPoolTests.Options(BatchIoKind.Mmsg, 1, NetAddress.IPv4Loopback(0)));
        pool.Start(_ => new EchoHandler());
        using var client = new TestClient(BatchIoKind.Mmsg, NetAddress.IPv4Loopback(0));
        Warm(pool, client);
        Assert.Equal(0, Allocations.LeastReported(() => AllocatedOverHundredThousandEchoes(pool, client)));
    }

    [Fact]
    public void SocketFallbackWorkerAllocatesAtMostOneOffRuntimeBytes()
    {
        // System.Net.Sockets allocates 56 bytes once in SendTo and once in ReceiveFrom when tiered
        // PGO recompiles them (tens of thousands of calls in; 0 with DOTNET_TieredPGO=0). Our own
        // code on this path allocates nothing; the bound only admits those one-off bytes.
        Assert.InRange(AllocatedOverHundredThousandEchoes(BatchIoKind.Socket), 0, 256);
    }

    private static long AllocatedOverHundredThousandEchoes(BatchIoKind kind)
    {
        using var pool = new WorkerPool(WorkerPoolTests.Options(kind, 1, NetAddress.IPv4Loopback(0)));
        pool.Start(_ => new EchoHandler());
        using var client = new TestClient(BatchIoKind.Mmsg, NetAddress.IPv4Loopback(0));
        Warm(pool, client);
        return AllocatedOverHundredThousandEchoes(pool, client);
    }

    private static ReadOnlySpan<byte> Options =>
        "OPTIONS sip:hyperproxy@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"u8;

    /// <summary>Warm-up: JIT tiers, first-call stubs, static constructors.</summary>
    private static void Warm(WorkerPool pool, TestClient client)
    {
        Assert.Equal(20_000, client.Drive(pool.LocalAddresses[0], Options, 20_000, 256, s_bound));
        Assert.True(SpinWait.SpinUntil(() => pool.ReadCounters().Sent == 20_000, s_bound));
    }

    /// <summary>What the worker allocated while it echoed 100,000 more datagrams (all of them sent).</summary>
    private static long AllocatedOverHundredThousandEchoes(WorkerPool pool, TestClient client)
    {
        long sentBefore = pool.ReadCounters().Sent;
        long before = pool.Workers[0].AllocatedBytes;
        Assert.Equal(100_000, client.Drive(pool.LocalAddresses[0], Options, 100_000, 256, s_bound));
        Assert.True(SpinWait.SpinUntil(() => pool.ReadCounters().Sent == sentBefore + 100_000, s_bound));
        return pool.Workers[0].AllocatedBytes - before;
    }

    [Fact]
    public void WorkerAllocationReadingSeesAHandlerThatAllocates()
    {
        using var pool = new WorkerPool(WorkerPoolTests.Options(BatchIoKind.Auto, 1, NetAddress.IPv4Loopback(0)));
        pool.Start(_ => new AllocatingEchoHandler());
        using var client = new TestClient(BatchIoKind.Auto, NetAddress.IPv4Loopback(0));
        long before = pool.Workers[0].AllocatedBytes;

        Assert.Equal(100, client.Drive(pool.LocalAddresses[0], "x"u8, 100, 1, s_bound));

        Assert.True(SpinWait.SpinUntil(() => pool.Workers[0].AllocatedBytes - before >= 100 * 1024, s_bound),
            $"allocated {pool.Workers[0].AllocatedBytes - before} bytes");
    }
}
