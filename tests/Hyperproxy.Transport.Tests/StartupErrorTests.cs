using System.Net.Sockets;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Tests;

public class StartupErrorTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PortHeldByAnotherSocketIsAddressAlreadyInUse(bool ipv6)
    {
        using Socket other = WorkerPoolTests.OpenPlain(WorkerPoolTests.Loopback(ipv6));
        NetAddress taken = UdpSockets.LocalAddress(other);

        TransportException e = Assert.Throws<TransportException>(
            () => new WorkerPool(WorkerPoolTests.Options(BatchIoKind.Auto, 1, taken)));
        Assert.StartsWith($"udp:{taken}: address already in use", e.Message);
    }

    [Fact]
    public void SecondPoolOnTheSamePortIsRefusedDespiteReusePort()
    {
        // Two hyperproxy processes of one user could share a port through SO_REUSEPORT and split
        // the traffic silently; the start-up probe refuses the second one.
        using var first = new WorkerPool(WorkerPoolTests.Options(BatchIoKind.Auto, 2, WorkerPoolTests.Loopback(false)));
        NetAddress address = first.LocalAddresses[0];

        TransportException e = Assert.Throws<TransportException>(
            () => new WorkerPool(WorkerPoolTests.Options(BatchIoKind.Auto, 1, address)));
        Assert.Equal($"udp:{address}: address already in use (another process, perhaps another hyperproxy, "
            + "is bound to it; stop it or choose another port)", e.Message);
    }

    [Fact]
    public void AddressOfNoLocalInterfaceCannotBeAssigned()
    {
        // 192.0.2.1 is TEST-NET-1: never a local address. Nothing is sent.
        NetAddress foreign = NetAddress.FromIPv4(192, 0, 2, 1, 5060);
        TransportException e = Assert.Throws<TransportException>(
            () => new WorkerPool(WorkerPoolTests.Options(BatchIoKind.Auto, 1, foreign)));
        Assert.Equal("udp:192.0.2.1:5060: cannot assign requested address (no local interface has 192.0.2.1)", e.Message);
    }

    [Fact]
    public void CpuNotPresentIsReported()
    {
        int[] available = CpuAffinity.AvailableCpus();
        int absent = available[^1] + 1;
        TransportException e = Assert.Throws<TransportException>(() => new WorkerPool(
            WorkerPoolTests.Options(BatchIoKind.Auto, 1, WorkerPoolTests.Loopback(false)) with { Cpus = [absent] }));
        Assert.Equal($"CPU {absent} is not present (available: {CpuList.Format(available)})", e.Message);
    }

    [Fact]
    public void MoreWorkersThanCpusIsReportedWhenPinning()
    {
        int[] available = CpuAffinity.AvailableCpus();
        int workers = available.Length + 1;
        TransportException e = Assert.Throws<TransportException>(() => new WorkerPool(
            WorkerPoolTests.Options(BatchIoKind.Auto, workers, WorkerPoolTests.Loopback(false)) with { Pin = true }));
        Assert.StartsWith($"{workers} workers but only {available.Length} CPU", e.Message);
    }

    [Fact]
    public void MoreWorkersThanCpusIsAllowedWithoutPinning()
    {
        int workers = CpuAffinity.AvailableCpus().Length + 1;
        using var pool = new WorkerPool(WorkerPoolTests.Options(BatchIoKind.Auto, workers, WorkerPoolTests.Loopback(false)));
        Assert.Equal(workers, pool.Workers.Count);
    }

    [Fact]
    public void NoListenAddressIsReported()
    {
        TransportException e = Assert.Throws<TransportException>(() => new WorkerPool(new TransportOptions()));
        Assert.Equal("no listen address; give at least one, e.g. --listen udp:127.0.0.1:5060", e.Message);
    }

    [Fact]
    public void SameListenAddressTwiceIsReported()
    {
        using Socket probe = WorkerPoolTests.OpenPlain(WorkerPoolTests.Loopback(false));
        NetAddress address = UdpSockets.LocalAddress(probe);
        probe.Dispose();
        TransportException e = Assert.Throws<TransportException>(
            () => new WorkerPool(WorkerPoolTests.Options(BatchIoKind.Auto, 1, address, address)));
        Assert.Equal($"udp:{address}: listed twice", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1025)]
    public void BatchSizeOutOfRangeIsReported(int batch)
    {
        TransportException e = Assert.Throws<TransportException>(() => new WorkerPool(
            WorkerPoolTests.Options(BatchIoKind.Auto, 1, WorkerPoolTests.Loopback(false)) with { BatchSize = batch }));
        Assert.Equal($"--batch {batch}: expected 1-1024", e.Message);
    }

    [Fact]
    public void FailedStartLeavesThePortFree()
    {
        int absent = CpuAffinity.AvailableCpus()[^1] + 1;
        NetAddress address;
        using (Socket probe = WorkerPoolTests.OpenPlain(WorkerPoolTests.Loopback(false)))
            address = UdpSockets.LocalAddress(probe);
        Assert.Throws<TransportException>(() => new WorkerPool(
            WorkerPoolTests.Options(BatchIoKind.Auto, 1, address) with { Cpus = [absent] }));
        Assert.Equal(address, UdpSockets.ProbeFree(address));
    }
}
