using System.Diagnostics;
using System.Net.Sockets;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Tests;

public class WorkerPoolTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);

    public static TheoryData<BatchIoKind, bool> KindsAndFamilies => new()
    {
        { BatchIoKind.Mmsg, false },
        { BatchIoKind.Mmsg, true },
        { BatchIoKind.Socket, false },
        { BatchIoKind.Socket, true },
    };

    internal static NetAddress Loopback(bool ipv6, int port = 0) =>
        ipv6 ? NetAddress.IPv6Loopback(port) : NetAddress.IPv4Loopback(port);

    internal static TransportOptions Options(BatchIoKind kind, int workers, params NetAddress[] listen) => new()
    {
        Listen = listen,
        Workers = workers,
        Io = kind,
        PollTimeoutMs = 20,
    };

    [Theory]
    [MemberData(nameof(KindsAndFamilies))]
    public void EchoReturnsEveryDatagramToItsSender(BatchIoKind kind, bool ipv6)
    {
        using var pool = new WorkerPool(Options(kind, 1, Loopback(ipv6)));
        Assert.Equal(kind, pool.IoKind);
        pool.Start(_ => new EchoHandler());
        using var client = new TestClient(kind, Loopback(ipv6));

        long echoed = client.Drive(pool.LocalAddresses[0], "OPTIONS sip:a@b SIP/2.0\r\n\r\n"u8, 2000, 128, s_bound);

        Assert.Equal(2000, echoed);
        // The worker adds to its counters just after sendmmsg returns: wait for that.
        Assert.True(SpinWait.SpinUntil(() => pool.ReadCounters().Sent == 2000, s_bound));
        TransportCounters counters = pool.ReadCounters();
        Assert.Equal(2000, counters.Received);
        Assert.Equal(2000, counters.Sent);
        Assert.Equal(0, counters.SendErrors);
        Assert.Equal(0, counters.HandlerFaults);
        Assert.True(counters.Batches is > 0 and <= 2000);
        Assert.True(pool.Stop());
    }

    [Theory]
    [InlineData(BatchIoKind.Mmsg)]
    [InlineData(BatchIoKind.Socket)]
    public void RepliesLeaveFromTheListenAddressTheRequestCameIn(BatchIoKind kind)
    {
        using var pool = new WorkerPool(Options(kind, 1, Loopback(false), Loopback(true)));
        pool.Start(_ => new EchoHandler());
        using var client4 = new TestClient(kind, Loopback(false));
        using var client6 = new TestClient(kind, Loopback(true));

        // Drive counts only echoes whose source is the address it sent to.
        Assert.Equal(300, client4.Drive(pool.LocalAddresses[0], "four"u8, 300, 64, s_bound));
        Assert.Equal(300, client6.Drive(pool.LocalAddresses[1], "six"u8, 300, 64, s_bound));
        Assert.True(pool.LocalAddresses[0].IsIPv4);
        Assert.True(pool.LocalAddresses[1].IsIPv6);
        Assert.NotEqual(0, pool.LocalAddresses[0].Port);
    }

    [Theory]
    [InlineData(BatchIoKind.Mmsg)]
    [InlineData(BatchIoKind.Socket)]
    public void OversizedDatagramIsDroppedAndCounted(BatchIoKind kind)
    {
        using var pool = new WorkerPool(Options(kind, 1, Loopback(false)));
        pool.Start(_ => new EchoHandler());
        using var client = new TestClient(kind, Loopback(false));

        client.Send(pool.LocalAddresses[0], new byte[DatagramBatch.MaxUdpPayload]);
        client.Send(pool.LocalAddresses[0], new byte[DatagramBatch.DefaultSlotSize + 1]);
        client.Send(pool.LocalAddresses[0], "small"u8);

        byte[]? echo = client.ReceiveOne(s_bound);
        Assert.Equal("small"u8.ToArray(), echo);
        Assert.True(SpinWait.SpinUntil(() => pool.ReadCounters().Truncated == 2, s_bound));
        Assert.Equal(1, pool.ReadCounters().Received);
        Assert.Equal(0, client.Receive(50));
    }

    [Fact]
    public void DatagramFillingAWholeSlotIsDelivered()
    {
        using var pool = new WorkerPool(Options(BatchIoKind.Mmsg, 1, Loopback(false)));
        pool.Start(_ => new EchoHandler());
        using var client = new TestClient(BatchIoKind.Mmsg, Loopback(false));
        byte[] full = new byte[DatagramBatch.DefaultSlotSize];
        full.AsSpan().Fill((byte)'x');
        client.Send(pool.LocalAddresses[0], full);
        Assert.Equal(full, client.ReceiveOne(s_bound));
        Assert.Equal(0, pool.ReadCounters().Truncated);
    }

    [Theory]
    [InlineData(BatchIoKind.Mmsg)]
    [InlineData(BatchIoKind.Socket)]
    public void TwoWorkersShareTheAddressAndBothReceive(BatchIoKind kind)
    {
        using var pool = new WorkerPool(Options(kind, 2, Loopback(false)));
        pool.Start(_ => new EchoHandler());
        Assert.Equal(2, pool.Workers.Count);

        // SO_REUSEPORT hashes by source address and port: many source ports reach both workers.
        var clients = new List<TestClient>();
        try
        {
            for (int i = 0; i < 32; i++)
                clients.Add(new TestClient(kind, Loopback(false)));
            foreach (TestClient client in clients)
                client.Send(pool.LocalAddresses[0], "hello"u8);
            foreach (TestClient client in clients)
                Assert.Equal("hello"u8.ToArray(), client.ReceiveOne(s_bound));
        }
        finally
        {
            foreach (TestClient client in clients)
                client.Dispose();
        }

        Assert.Equal(32, pool.ReadCounters().Received);
        Assert.True(pool.Workers[0].Counters.Received > 0, "worker 0 received nothing");
        Assert.True(pool.Workers[1].Counters.Received > 0, "worker 1 received nothing");
    }

    [Fact]
    public void HandlerFaultDropsTheBatchAndKeepsTheWorker()
    {
        var log = new List<string>();
        using var pool = new WorkerPool(Options(BatchIoKind.Auto, 1, Loopback(false)) with { Log = line => { lock (log) log.Add(line); } });
        pool.Start(_ => new FaultyEchoHandler());
        using var client = new TestClient(BatchIoKind.Auto, Loopback(false));

        client.Send(pool.LocalAddresses[0], "boom"u8);
        Assert.True(SpinWait.SpinUntil(() => pool.ReadCounters().HandlerFaults == 1, s_bound));
        client.Send(pool.LocalAddresses[0], "still alive"u8);

        Assert.Equal("still alive"u8.ToArray(), client.ReceiveOne(s_bound));
        Assert.Equal(1, pool.ReadCounters().HandlerFaults);
        Assert.True(pool.Workers[0].IsRunning);
        lock (log)
        {
            Assert.Single(log);
            Assert.StartsWith("worker 0: handler fault #1, batch dropped: InvalidOperationException: handler bug", log[0]);
        }
    }

    [Fact]
    public void StopLeavesWithinTheBoundAndClosesTheSockets()
    {
        var pool = new WorkerPool(Options(BatchIoKind.Auto, 2, Loopback(false)));
        pool.Start(_ => new EchoHandler());
        Assert.True(pool.Workers[0].IsRunning);

        var clock = Stopwatch.StartNew();
        Assert.True(pool.Stop(TimeSpan.FromSeconds(5)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"stop took {clock.Elapsed}");
        Assert.False(pool.Workers[0].IsRunning);
        Assert.False(pool.Workers[1].IsRunning);

        // The port is free again: a socket without SO_REUSEPORT can bind it.
        Assert.Equal(pool.LocalAddresses[0], UdpSockets.ProbeFree(pool.LocalAddresses[0]));
        Assert.True(pool.Stop());
    }

    [Fact]
    public void WorkersRunPinnedToTheirCpus()
    {
        int[] available = CpuAffinity.AvailableCpus();
        int cpu = available[^1];
        var seen = new int[1][];
        using var pool = new WorkerPool(Options(BatchIoKind.Auto, 1, Loopback(false)) with { Cpus = [cpu] });
        pool.Start(_ => new AffinityProbeHandler(seen));
        using var client = new TestClient(BatchIoKind.Auto, Loopback(false));
        client.Send(pool.LocalAddresses[0], "where"u8);
        Assert.NotNull(client.ReceiveOne(s_bound));

        Assert.Equal(cpu, pool.Workers[0].Cpu);
        if (CpuAffinity.IsSupported)
            Assert.Equal([cpu], Volatile.Read(ref seen[0]));
    }

    [Fact]
    public void UnpinnedWorkersReportNoCpu()
    {
        using var pool = new WorkerPool(Options(BatchIoKind.Auto, 1, Loopback(false)));
        Assert.Equal(-1, pool.Workers[0].Cpu);
    }

    [Fact]
    public void WorkersDefaultToOnePerAvailableCpu()
    {
        using var pool = new WorkerPool(Options(BatchIoKind.Auto, 0, Loopback(false)));
        Assert.Equal(CpuAffinity.AvailableCpus().Length, pool.Workers.Count);
    }

    internal static Socket OpenPlain(NetAddress address) => UdpSockets.Open(address, reusePort: false);
}
