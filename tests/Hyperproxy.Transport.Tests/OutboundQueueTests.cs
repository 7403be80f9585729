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

    [Fact]
    public void ManyWritersAndAReaderAtOnceLoseNothingDuplicateNothingAndKeepEachWritersOrder()
    {
        // A small bound so the writers keep hitting it (Full: they try again) while the rings grow from 4 to 64.
        var queue = new OutboundQueue(64);
        const int writers = 6;
        const int each = 40000;
        int[] next = new int[writers];
        long full = 0;
        using var go = new ManualResetEventSlim(false);
        var threads = new Thread[writers];
        for (int w = 0; w < writers; w++)
        {
            int writer = w;
            threads[w] = new Thread(() =>
            {
                go.Wait();
                for (int i = 0; i < each; i++)
                {
                    OutboundChunk chunk = Chunk(writer * each + i);
                    // Bounded: the reader below empties the queue until every message is in.
                    for (int attempt = 0; queue.TryWrite(chunk) != OutboundWrite.Queued; attempt++)
                    {
                        Assert.True(attempt < 50_000_000, "the queue stayed full");
                        Interlocked.Increment(ref full);
                        Thread.SpinWait(4);
                    }
                }
            }) { IsBackground = true };
            threads[w].Start();
        }

        go.Set();
        int read = 0;
        long idle = 0;
        while (read < writers * each)
        {
            if (queue.TryRead(out OutboundChunk chunk))
            {
                int writer = chunk.Length / each;
                // Each writer's messages come out once each, in the order it wrote them.
                Assert.Equal(next[writer], chunk.Length % each);
                next[writer]++;
                read++;
            }
            else
            {
                Assert.True(++idle < 500_000_000, $"nothing more to read after {read} messages");
                Thread.SpinWait(1);
            }
        }

        foreach (Thread t in threads)
            Assert.True(t.Join(TimeSpan.FromSeconds(30)));
        Assert.All(next, n => Assert.Equal(each, n));
        Assert.False(queue.TryRead(out _));
        Assert.False(queue.HasItems);
    }

    [Fact]
    public void WritersRacingAtTheBoundGetExactlyTheBoundQueuedAndTheRestFull()
    {
        for (int round = 0; round < 20; round++)
        {
            var queue = new OutboundQueue(100);
            int queued = 0;
            int refused = 0;
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
            {
                for (int i = 0; i < 60; i++)
                {
                    if (queue.TryWrite(Chunk(i)) == OutboundWrite.Queued)
                        Interlocked.Increment(ref queued);
                    else
                        Interlocked.Increment(ref refused);
                }
            });

            Assert.Equal(100, queued);
            Assert.Equal(140, refused);
            int read = 0;
            while (queue.TryRead(out _))
                read++;
            Assert.Equal(100, read);
        }
    }

    [Fact]
    public void TwoReadersAtOnceShareTheMessagesWithoutLossOrDuplicates()
    {
        // The writer loop and Close may both read what is left.
        var queue = new OutboundQueue(1 << 16);
        const int total = 50000;
        for (int i = 0; i < total; i++)
            Assert.Equal(OutboundWrite.Queued, queue.TryWrite(Chunk(i)));

        var seen = new int[total];
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, _ =>
        {
            while (queue.TryRead(out OutboundChunk chunk))
                Interlocked.Increment(ref seen[chunk.Length]);
        });

        Assert.All(seen, n => Assert.Equal(1, n));
    }

    [Fact]
    public void AWriteRacingTheCompletionIsEitherReadOrRefused()
    {
        for (int round = 0; round < 50; round++)
        {
            var queue = new OutboundQueue(1 << 12);
            int queued = 0;
            using var go = new ManualResetEventSlim(false);
            var writers = new Thread[3];
            for (int w = 0; w < writers.Length; w++)
            {
                writers[w] = new Thread(() =>
                {
                    go.Wait();
                    for (int i = 0; i < 1000; i++)
                    {
                        OutboundWrite result = queue.TryWrite(Chunk(i));
                        if (result == OutboundWrite.Completed)
                            break;
                        Assert.Equal(OutboundWrite.Queued, result);
                        Interlocked.Increment(ref queued);
                    }
                }) { IsBackground = true };
                writers[w].Start();
            }

            go.Set();
            Thread.SpinWait(200 * (round % 10));
            queue.Complete();
            foreach (Thread t in writers)
                Assert.True(t.Join(TimeSpan.FromSeconds(30)));

            Assert.Equal(OutboundWrite.Completed, queue.TryWrite(Chunk(0)));
            int read = 0;
            while (queue.TryRead(out _))
                read++;
            Assert.Equal(queued, read);
            Assert.True(queue.IsDone);
        }
    }

    [Fact]
    public void WritingAndReadingAllocateNothingOnceTheRingHasGrown()
    {
        var queue = new OutboundQueue(1024);
        byte[] buffer = new byte[16];
        for (int i = 0; i < 64; i++)
            queue.TryWrite(new OutboundChunk(buffer, i));
        while (queue.TryRead(out _))
        {
        }

        long allocated = Hyperproxy.Testing.Allocations.Least(() =>
        {
            for (int round = 0; round < 10000; round++)
            {
                for (int i = 0; i < 16; i++)
                    queue.TryWrite(new OutboundChunk(buffer, i));
                while (queue.TryRead(out _))
                {
                }
            }
        });
        Assert.Equal(0, allocated);
    }

    /// <summary>A chunk told apart by its length (the buffer is never written).</summary>
    private static OutboundChunk Chunk(int n) => new([], n);
}
