using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Tests;

/// <summary>
/// A handler whose replies wait for a commit (<see cref="ICommitHandler"/>): the worker keeps receiving what is
/// already there into the same commit, then commits once and sends everything it released.
/// </summary>
public class CommitGatheringTests
{
    /// <summary>Answers every datagram, but only when the worker commits (as durable 200 OKs are held).</summary>
    private sealed class CommittingEcho : IBatchHandler, ICommitHandler
    {
        private readonly byte[][] _held = new byte[256][];
        private readonly NetAddress[] _peers = new NetAddress[256];
        private int _count;
        private int _released;
        private bool _releasing;

        public int Handles;
        public int Commits;

        public bool HasUncommitted => _count > _released;

        public void Handle(DatagramBatch received, DatagramBatch outgoing)
        {
            Handles++;
            for (int i = 0; i < received.Count; i++)
            {
                _held[_count] = received.Payload(i).ToArray();
                _peers[_count++] = received.Info(i).Peer;
            }
        }

        public bool Commit(DatagramBatch outgoing)
        {
            if (!_releasing)
                Commits++; // a call after "true" continues the same commit
            while (_released < _count)
            {
                if (outgoing.IsFull)
                    return _releasing = true;
                outgoing.TryAdd(_held[_released], _peers[_released], 0);
                _released++;
            }
            return _releasing = false;
        }
    }

    [Fact]
    public void DatagramsAlreadyArrivingShareOneCommitAndEveryReleasedReplyIsSent()
    {
        var io = new InMemoryBatchIo(capacity: 10);
        var peer = NetAddress.IPv4Loopback(5060);
        for (int i = 0; i < 40; i++)
            Assert.True(io.Enqueue(System.Text.Encoding.ASCII.GetBytes("REGISTER " + i), peer));
        var counters = new WorkerCounters[1];
        var worker = new Worker(0, -1, io, 10, 10, DatagramBatch.DefaultSlotSize, counters, 1, _ => { }, 1);
        var handler = new CommittingEcho();
        worker.Start(handler);
        try
        {
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref counters[0].Sent) >= 40, TimeSpan.FromSeconds(10)),
                $"sent {Volatile.Read(ref counters[0].Sent)} of 40");
        }
        finally
        {
            worker.RequestStop();
            Assert.True(worker.Join(TimeSpan.FromSeconds(10)));
        }

        // Four batches of ten were handled; without gathering each would have had its own commit. (A worker
        // descheduled for longer than the quiet gap between two receives may commit twice, never four times.)
        Assert.Equal(4, handler.Handles);
        Assert.InRange(handler.Commits, 1, 3);
        Assert.Equal(40, io.SentTotal);
        for (int i = 0; i < 40; i++)
            Assert.Equal("REGISTER " + i, System.Text.Encoding.ASCII.GetString(io.Sent.Payload(i)));
    }
}
