using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Tests;

/// <summary>
/// Pipelined commits (<see cref="ICommitHandler.EnablePipelinedCommits"/>): the worker only starts a commit and
/// goes on; the replies leave when the handler says their commit finished, without any new datagram arriving.
/// </summary>
public class PipelinedCommitTests
{
    /// <summary>An in-memory I/O that accepts a descriptor to watch (its receive never waits anyway).</summary>
    private sealed class WatchingIo(InMemoryBatchIo inner) : IBatchIo
    {
        public int Watched = -1;

        public int SocketCount => inner.SocketCount;

        public int Receive(DatagramBatch batch, int timeoutMs) => inner.Receive(batch, timeoutMs);

        public int Send(DatagramBatch outgoing) => inner.Send(outgoing);

        public bool TryWatch(int fd)
        {
            Watched = fd;
            return true;
        }

        public void Dispose() => inner.Dispose();
    }

    /// <summary>Holds every datagram; a commit closes a group, which is answered once the test completes it.</summary>
    private sealed class PipelinedEcho : IBatchHandler, ICommitHandler
    {
        private readonly byte[][] _held = new byte[256][];
        private readonly NetAddress[] _peers = new NetAddress[256];
        private readonly int[] _groupEnd = new int[256];
        private int _count;
        private int _groups;
        private int _released;
        private int _releasedGroups;

        public int Handles;
        public int Commits;
        public int Completions;
        public int Completed; // groups the "disk" finished, set by the test

        public bool HasUncommitted => _count > (_groups == 0 ? 0 : _groupEnd[_groups - 1]);

        public bool CommitsInFlight => _releasedGroups < _groups;

        public bool EnablePipelinedCommits(IBatchIo io) => io.TryWatch(42);

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
            Commits++;
            _groupEnd[_groups++] = _count; // started, not waited for
            return false;
        }

        public bool CompleteCommits(DatagramBatch outgoing)
        {
            Completions++;
            int completed = Volatile.Read(ref Completed);
            while (_releasedGroups < _groups && _releasedGroups < completed)
            {
                while (_released < _groupEnd[_releasedGroups])
                {
                    if (outgoing.IsFull)
                        return true;
                    outgoing.TryAdd(_held[_released], _peers[_released], 0);
                    _released++;
                }
                _releasedGroups++;
            }
            return false;
        }
    }

    [Fact]
    public void RepliesLeaveWhenTheirCommitFinishesWithoutAnyNewDatagram()
    {
        var memory = new InMemoryBatchIo(capacity: 10);
        var io = new WatchingIo(memory);
        var peer = NetAddress.IPv4Loopback(5060);
        for (int i = 0; i < 20; i++)
            Assert.True(memory.Enqueue(System.Text.Encoding.ASCII.GetBytes("REGISTER " + i), peer));
        var counters = new WorkerCounters[1];
        var worker = new Worker(0, -1, io, 10, 10, DatagramBatch.DefaultSlotSize, counters, 1, _ => { }, 1) { PipelinedCommits = true };
        var handler = new PipelinedEcho();
        worker.Start(handler);
        try
        {
            Assert.Equal(42, io.Watched);
            // Every datagram handled and its commit started; nothing answered while the commit runs, and the
            // worker keeps turning (it looks for finished commits every turn).
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref handler.Handles) == 2 && Volatile.Read(ref handler.Commits) >= 1
                && Volatile.Read(ref handler.Completions) > 10, TimeSpan.FromSeconds(10)), "the commit was not started");
            Assert.Equal(0, Volatile.Read(ref counters[0].Sent));

            Volatile.Write(ref handler.Completed, handler.Commits);
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref counters[0].Sent) >= 20, TimeSpan.FromSeconds(10)),
                $"sent {Volatile.Read(ref counters[0].Sent)} of 20");
        }
        finally
        {
            worker.RequestStop();
            Assert.True(worker.Join(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(20, memory.SentTotal);
        for (int i = 0; i < 20; i++)
            Assert.Equal("REGISTER " + i, System.Text.Encoding.ASCII.GetString(memory.Sent.Payload(i)));
    }
}
