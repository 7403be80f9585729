using Hyperproxy.Transport.Streams;

namespace Hyperproxy.Transport.Tests;

public sealed class OutboundQueueTests
{
    [Fact]
    public void MessagesComeOutInOrderAcrossTheRingsWrapAndGrowth()
    {
        var queue = new OutboundQueue(64);
        int next = 0;
        int expected = 0;
        // Interleaved writes and reads move the head around the ring while it grows from 4 to 64 entries.
        for (int round = 0; round < 50; round++)
        {
            for (int i = 0; i < round % 7 + 1; i++)
                Assert.Equal(OutboundWrite.Queued, queue.TryWrite(Chunk(next++)));
            for (int i = 0; i < round % 5 + 1 && queue.TryRead(out OutboundChunk chunk); i++)
                Assert.Equal(expected++, chunk.Length);
        }

        while (queue.TryRead(out OutboundChunk chunk))
            Assert.Equal(expected++, chunk.Length);
        Assert.Equal(next, expected);
        Assert.False(queue.HasItems);
    }

    [Fact]
    public void AFullQueueRefusesTheNextMessageUntilOneIsRead()
    {
        var queue = new OutboundQueue(3);
        for (int i = 0; i < 3; i++)
            Assert.Equal(OutboundWrite.Queued, queue.TryWrite(Chunk(i)));

        Assert.Equal(OutboundWrite.Full, queue.TryWrite(Chunk(3)));
        Assert.True(queue.TryRead(out OutboundChunk first));
        Assert.Equal(0, first.Length);
        Assert.Equal(OutboundWrite.Queued, queue.TryWrite(Chunk(3)));
    }

    [Fact]
    public void ACompletedQueueTakesNoMoreButHandsOutWhatItHolds()
    {
        var queue = new OutboundQueue(8);
        Assert.Equal(OutboundWrite.Queued, queue.TryWrite(Chunk(1)));
        queue.Complete();

        Assert.Equal(OutboundWrite.Completed, queue.TryWrite(Chunk(2)));
        Assert.False(queue.IsDone);
        Assert.True(queue.TryRead(out OutboundChunk chunk));
        Assert.Equal(1, chunk.Length);
        Assert.True(queue.IsDone);
    }

    [Fact]
    public void ManyWritersAtOnceLoseNothing()
    {
        var queue = new OutboundQueue(1 << 16);
        const int writers = 4;
        const int each = 5000;
        Parallel.For(0, writers, new ParallelOptions { MaxDegreeOfParallelism = writers }, w =>
        {
            for (int i = 0; i < each; i++)
                Assert.Equal(OutboundWrite.Queued, queue.TryWrite(Chunk(w)));
        });

        int[] seen = new int[writers];
        while (queue.TryRead(out OutboundChunk chunk))
            seen[chunk.Length]++;
        Assert.All(seen, n => Assert.Equal(each, n));
    }

    /// <summary>A chunk told apart by its length (the buffer is never written).</summary>
    private static OutboundChunk Chunk(int n) => new([], n);
}
