using System.Net;
using System.Net.Sockets;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Tests;

/// <summary>
/// MmsgBatchIo's backlog report (tm's admission control reads it): a receive that filled the batch tells how much of the
/// socket's receive buffer is still queued (SO_MEMINFO); a receive that drained the socket tells nothing.
/// </summary>
public sealed class ReceiveBacklogTests
{
    [Fact]
    public void AFullBatchReportsWhatIsStillQueuedAndADrainingReceiveReportsNothing()
    {
        using Socket socket = UdpSockets.Open(NetAddress.IPv4Loopback(0), reusePort: false, 1 << 20);
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        using var io = new MmsgBatchIo([socket], 8);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        byte[] datagram = new byte[200];
        var target = new IPEndPoint(IPAddress.Loopback, port);
        for (int i = 0; i < 20; i++)
        {
            sender.SendTo(datagram, target);
        }

        var batch = new DatagramBatch(8, 2048);
        Assert.Equal(8, io.Receive(batch, 1000));
        Assert.True(batch.QueueLimitBytes >= 1 << 20, $"limit {batch.QueueLimitBytes}");
        Assert.True(batch.QueuedBytes >= 12 * 200, $"queued {batch.QueuedBytes}"); // 12 datagrams left, skb overhead included

        Assert.Equal(8, io.Receive(batch, 1000));
        Assert.Equal(4, io.Receive(batch, 1000)); // short: drained
        Assert.Equal(0, batch.QueuedBytes);
        Assert.Equal(0, batch.QueueLimitBytes);
    }
}
