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
        private readonly byte[][] _held = new byte[1024][];
        private readonly NetAddress[] _peers = new NetAddress[1024];
        private int _count;
        private int _released;
        private bool _releasing;

        public int Handles;
        public int Commits;
        public readonly List<int> Sizes = [];

        /// <summary>Runs inside each commit, as the time its sync takes (on the worker's thread).</summary>
        public Action? DuringSync;

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
            {
                Commits++; // a call after "true" continues the same commit
                Sizes.Add(_count - _released);
                DuringSync?.Invoke();
            }
            while (_released < _count)
            {
                if (outgoing.IsFull)
                    return _releasing = true;
                outgoing.TryAdd(_held[_released], _peers[_released], 0);
                _released++;
            }
            _count = _released = 0; // all released: the slots are free again
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

    /// <summary>
    /// A closed-loop client inside the I/O, on the worker's thread: every datagram the worker sends is answered with a
    /// new request, until <c>total</c> requests were sent. An answer is visible from the receive after the next one (it
    /// is on its way for one receive, as a real client takes a moment to answer).
    /// </summary>
    private sealed class ClosedLoopIo(int window, int total, int capacity, int late = 0) : IBatchIo
    {
        private static readonly NetAddress Peer = NetAddress.IPv4Loopback(5060);
        private readonly byte[] _request = System.Text.Encoding.ASCII.GetBytes("REGISTER");
        private int _waiting = window - late;
        private int _late = late;
        private int _onTheirWay;
        private int _sent = window;

        /// <summary>The first requests held back (<c>late</c>) arrive now.</summary>
        public void ArriveLate()
        {
            _waiting += _late;
            _late = 0;
        }

        public long Answered;

        public int SocketCount => 1;

        public int Receive(DatagramBatch batch, int timeoutMs)
        {
            batch.Clear();
            int n = Math.Min(_waiting, capacity);
            for (int i = 0; i < n; i++)
                batch.TryAdd(_request, Peer, 0);
            _waiting -= n;
            _waiting += _onTheirWay;
            _onTheirWay = 0;
            if (n == 0 && timeoutMs > 0 && _waiting == 0)
                Thread.Sleep(timeoutMs); // the kernel's wait of an idle worker
            return n;
        }

        public int Send(DatagramBatch outgoing)
        {
            Volatile.Write(ref Answered, Answered + outgoing.Count);
            int more = Math.Min(outgoing.Count, total - _sent);
            _onTheirWay += more;
            _sent += more;
            return outgoing.Count;
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void InAClosedLoopTheCommitStartsOnceThePreviousCommitsRequestsAreBackWithoutWaitingForAQuietGap()
    {
        // 16 in flight, batches of 10: every commit after the first is a batch of 10, one of 6 and one receive that
        // finds nothing. The quiet gap is long (200 ms) so only the first commit, which has nothing to expect, can
        // end on it: 50 commits would otherwise take 10 s, and the gatherings would be counted as quiet.
        const int window = 16, total = 16 * 50;
        var io = new ClosedLoopIo(window, total, capacity: 10);
        var counters = new WorkerCounters[1];
        long frequency = System.Diagnostics.Stopwatch.Frequency;
        var worker = new Worker(0, -1, io, 10, 10, DatagramBatch.DefaultSlotSize, counters, 1, _ => { }, 1)
        {
            GatherTicks = (frequency / 5, frequency * 2),
        };
        var handler = new CommittingEcho();
        worker.Start(handler);
        try
        {
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref io.Answered) >= total, TimeSpan.FromSeconds(30)),
                $"answered {Volatile.Read(ref io.Answered)} of {total}");
        }
        finally
        {
            worker.RequestStop();
            Assert.True(worker.Join(TimeSpan.FromSeconds(10)));
        }

        TransportCounters c = worker.Counters;
        Assert.Equal(total / window, handler.Commits);
        Assert.Equal(1, c.GatherQuiet);
        Assert.Equal(total / window - 1, c.GatherExpected);
        Assert.Equal(0, c.GatherBound);
    }

    [Fact]
    public void RequestsThatArriveDuringTheSyncAreCountedInAndTheNextCommitCoversTheWholeWindow()
    {
        // 16 in flight, but 6 of the first arrive only while the first commit syncs: it covers 10 and ends on the
        // (200 ms) quiet gap. The 6 are found the moment the sync returns, before its 10 replies leave, and the next
        // gathering expects 10 + 6: every later commit covers all 16 and none waits for a quiet gap.
        const int window = 16, total = 16 * 20;
        var io = new ClosedLoopIo(window, total, capacity: 10, late: 6);
        var counters = new WorkerCounters[1];
        long frequency = System.Diagnostics.Stopwatch.Frequency;
        var worker = new Worker(0, -1, io, 10, 10, DatagramBatch.DefaultSlotSize, counters, 1, _ => { }, 1)
        {
            GatherTicks = (frequency / 5, frequency * 2),
        };
        var handler = new CommittingEcho();
        handler.DuringSync = io.ArriveLate;
        worker.Start(handler);
        try
        {
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref io.Answered) >= total, TimeSpan.FromSeconds(30)),
                $"answered {Volatile.Read(ref io.Answered)} of {total}");
        }
        finally
        {
            worker.RequestStop();
            Assert.True(worker.Join(TimeSpan.FromSeconds(10)));
        }

        // (the last commit covers what is left of the total)
        Assert.Equal(10, handler.Sizes[0]);
        Assert.All(handler.Sizes.Skip(1).SkipLast(1), size => Assert.Equal(window, size));
        Assert.Equal(total, handler.Sizes.Sum());
        TransportCounters c = worker.Counters;
        Assert.Equal(2, c.GatherQuiet); // the first, and the last (the client's total runs out: fewer than expected)
        Assert.Equal(handler.Commits - 2, c.GatherExpected);
    }

    [Fact]
    public void TheFirstGatheringHasNothingToExpectAndEndsOnTheQuietGap()
    {
        var g = new CommitGathering(quietTicks: 50, maxTicks: 500);
        g.Begin(now: 1000, received: 4);
        Assert.False(g.NothingWaiting());
        Assert.False(g.TimedOut(1049));
        Assert.True(g.TimedOut(1050));
        Assert.Equal(GatherEnd.Quiet, g.LastEnd);
        g.Committed();
        Assert.Equal(4, g.Expected);
    }

    [Fact]
    public void AnEmptyReceiveEndsTheGatheringOnlyOnceThePreviousCommitsCountIsInHand()
    {
        var g = new CommitGathering(quietTicks: 50, maxTicks: 500);
        g.Begin(0, 16);
        Assert.True(g.TimedOut(60));
        g.Committed();

        g.Begin(1000, 10);
        Assert.False(g.NothingWaiting()); // 10 of 16: the other 6 are on their way
        g.Arrived(1005, 5);
        Assert.False(g.NothingWaiting());
        g.Arrived(1010, 1);
        Assert.True(g.NothingWaiting());
        Assert.Equal(GatherEnd.Expected, g.LastEnd);
        g.Committed();
        Assert.Equal(16, g.Expected);

        // More than expected (the window grew): gathering goes on while datagrams keep coming, the count follows.
        g.Begin(2000, 16);
        g.Arrived(2005, 8);
        Assert.True(g.NothingWaiting());
        g.Committed();
        Assert.Equal(24, g.Expected);

        // Fewer (the load fell): the quiet gap ends it and the expectation follows down.
        g.Begin(3000, 5);
        Assert.False(g.NothingWaiting());
        Assert.True(g.TimedOut(3050));
        g.Committed();
        Assert.Equal(5, g.Expected);
    }

    [Fact]
    public void TheOverallBoundEndsAGatheringThatKeepsReceiving()
    {
        var g = new CommitGathering(quietTicks: 50, maxTicks: 500);
        g.Begin(0, 1);
        for (long t = 10; t < 500; t += 10)
        {
            g.Arrived(t, 1);
            Assert.False(g.TimedOut(t));
        }
        Assert.True(g.TimedOut(500));
        Assert.Equal(GatherEnd.Bound, g.LastEnd);
    }

    [Fact]
    public void AClosedLoopWindowSplitByStragglersGrowsBackIntoOneCommit()
    {
        // A simulated closed loop of 16 in flight: the requests a commit answers come back one every 3 ticks (a
        // receive between two finds nothing), and requests that missed a commit (they arrived during its sync) wait in
        // the socket for the next. The first commit is cut short by the quiet gap at 6 requests, leaving 10
        // stragglers: the worker's look the moment the sync returns finds them, the next gathering expects them on top
        // of the 6 answers, and the window is whole again from the second commit on, each ending without a quiet gap.
        const int window = 16;
        var g = new CommitGathering(quietTicks: 50, maxTicks: 100_000);
        int queued = 0, returning = window, covered = 0;
        var sizes = new List<int>();
        long now = 0;
        for (int commit = 0; commit < 12; commit++)
        {
            long returnsFrom = now;
            int arrivedOfReturning = 0;
            bool Receive(out int n)
            {
                // the returning requests that have arrived by now, plus the stragglers already queued
                int due = (int)Math.Min(returning, (now - returnsFrom) / 3 + 1);
                n = queued + due - arrivedOfReturning;
                arrivedOfReturning = due;
                queued = 0;
                return n > 0;
            }
            if (queued > 0)
                g.Stragglers(queued); // found when the sync returned, handled: carried into this gathering
            queued = 0;
            Receive(out int first);
            g.Begin(now, first);
            while (true)
            {
                if (commit == 0 && g.InHand >= 6)
                {
                    Assert.True(g.TimedOut(now + 50)); // the first commit: cut short on purpose
                    break;
                }
                if (g.TimedOut(now))
                    break;
                now++;
                if (Receive(out int n))
                    g.Arrived(now, n);
                else if (g.NothingWaiting())
                    break;
            }
            covered = g.InHand;
            if (commit > 0)
                Assert.Equal(GatherEnd.Expected, g.LastEnd);
            g.Committed();
            sizes.Add(covered);
            // what is still on its way missed this commit: it waits in the socket for the next
            queued = returning - arrivedOfReturning;
            returning = covered;
            Assert.Equal(window, queued + returning);
            now += 300; // the sync
        }
        Assert.Equal(6, sizes[0]);
        for (int i = 1; i < sizes.Count; i++)
            Assert.True(sizes[i] == window, "commit sizes " + string.Join(",", sizes));
    }
}
