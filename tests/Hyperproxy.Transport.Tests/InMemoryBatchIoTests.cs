using System.Text;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Tests;

public class InMemoryBatchIoTests
{
    private static readonly NetAddress s_peer = NetAddress.FromIPv4(127, 0, 0, 9, 40000);

    [Fact]
    public void QueuedDatagramsComeOutOneBatchAtATimeWithTheirPeerAndSocket()
    {
        using var io = new InMemoryBatchIo(socketCount: 2, capacity: 2, slotSize: 512);
        Assert.True(io.Enqueue("one"u8, s_peer, 0));
        Assert.True(io.Enqueue("two"u8, s_peer.WithPort(40001), 1));
        Assert.True(io.Enqueue("three"u8, s_peer, 0));
        var batch = new DatagramBatch(2, 512);

        Assert.Equal(2, io.Receive(batch, 0));
        Assert.Equal("one", Encoding.ASCII.GetString(batch.Payload(0)));
        Assert.Equal(40001, batch.Peer(1).Port);
        Assert.Equal(1, batch.SocketIndex(1));
        Assert.Equal(1, io.Receive(batch, 0));
        Assert.Equal("three", Encoding.ASCII.GetString(batch.Payload(0)));
        Assert.Equal(0, io.Receive(batch, 0));
        Assert.Equal(0, io.Queued);
    }

    [Fact]
    public void EnqueueRefusesASocketThatDoesNotExist()
    {
        using var io = new InMemoryBatchIo(socketCount: 1, capacity: 2, slotSize: 512);
        Assert.False(io.Enqueue("x"u8, s_peer, 1));
    }

    [Fact]
    public void RunHandsTheQueueToTheHandlerAndKeepsWhatItSends()
    {
        using var io = new InMemoryBatchIo(capacity: 4, slotSize: 512);
        io.Enqueue("ping"u8, s_peer);
        Assert.Equal(1, io.Run(new EchoHandler()));
        Assert.Equal("ping", Encoding.ASCII.GetString(io.Sent.Payload(0)));
        Assert.Equal(s_peer, io.Sent.Peer(0));
        Assert.Equal(0, io.Run(new EchoHandler())); // nothing queued: nothing handled
        io.ClearSent();
        Assert.Equal(0, io.Sent.Count);
        Assert.Equal(1, io.SentTotal);
    }

    [Fact]
    public void RunAllocatesNothing()
    {
        using var io = new InMemoryBatchIo(capacity: 64, slotSize: 512);
        var echo = new EchoHandler();
        byte[] datagram = new byte[200];
        long allocated = Hyperproxy.Testing.Allocations.Least(() =>
        {
            for (int turn = 0; turn < 1000; turn++)
            {
                io.ClearSent();
                for (int i = 0; i < 64; i++)
                {
                    io.Enqueue(datagram, s_peer);
                }

                io.Run(echo);
            }
        });
        Assert.Equal(0, allocated);
        Assert.Equal(64, io.Sent.Count);
    }
}
