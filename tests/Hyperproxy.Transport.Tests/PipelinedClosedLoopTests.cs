using System.Buffers.Binary;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Tests;

/// <summary>
/// Pipelined commits under a closed-loop client with many batches in flight and commits that finish out of order:
/// every request is answered exactly once. The handler writes each reply into the outgoing batch before parking
/// it, as the proxy's durable reply does, so a turn that starts with an outgoing batch already filled by finished
/// commits has no slot for its replies — the lost answers measured at 256 in flight.
/// </summary>
public class PipelinedClosedLoopTests
{
    /// <summary>A closed-loop client in memory: a request per reply until <see cref="Total"/> were sent, each some
    /// looks after its reply; arrivals come mostly in whole batches, now and then in smaller bunches. Used by the worker's thread only.</summary>
    private sealed class ClosedLoopIo : IBatchIo
    {
        private readonly int[] _queue;
        private readonly Random _random;
        private int _head;
        private int _owed; // requests queued, not yet received
        private int _ready; // ...of which the client has sent
        private int _nextId;
        private readonly NetAddress _peer = NetAddress.IPv4Loopback(5070);

        public ClosedLoopIo(int window, int total, int seed)
        {
            Total = total;
            _queue = new int[total];
            _random = new Random(seed);
            Answers = new int[total];
            for (int i = 0; i < window; i++)
                _queue[_owed++] = _nextId++;
            _ready = window;
        }

        public int Total { get; }

        public int[] Answers { get; }

        public int Answered;

        public int Duplicates;

        public int SocketCount => 1;

        public int Receive(DatagramBatch batch, int timeoutMs)
        {
            batch.Clear();
            if (_ready == 0 && timeoutMs > 0)
                _ready = _owed; // the worker would wait in the kernel: what the client owes arrives meanwhile
            // Mostly whole batches, as a client sending bursts fills recvmmsg; now and then fewer.
            int take = Math.Min(_ready, _random.Next(4) == 0 ? _random.Next(1, batch.Capacity + 1) : batch.Capacity);
            Span<byte> datagram = stackalloc byte[4];
            for (int i = 0; i < take; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(datagram, _queue[_head++]);
                batch.TryAdd(datagram, _peer, 0);
            }
            _ready -= take;
            _owed -= take;
            return take;
        }

        public int Send(DatagramBatch outgoing)
        {
            for (int i = 0; i < outgoing.Count; i++)
            {
                int id = BinaryPrimitives.ReadInt32LittleEndian(outgoing.Payload(i));
                if (Answers[id]++ > 0)
                {
                    Duplicates++;
                    continue;
                }
                Volatile.Write(ref Answered, Answered + 1);
                if (_nextId < Total)
                    _queue[_head + _owed++] = _nextId++;
            }
            // The client answers a reply with its next request a little later: a random share of what it owes is
            // sent at each of the worker's sends, so a commit covers part of the window and several are in flight.
            _ready += _random.Next(4) == 0 ? _owed - _ready : _random.Next(0, _owed - _ready + 1);
            return outgoing.Count;
        }

        public bool TryWatch(int fd) => true;

        public void Dispose()
        {
        }
    }

    /// <summary>
    /// Parks every reply (written into the outgoing batch first, as the proxy does, so a full batch loses it) and
    /// commits in groups whose "syncs" finish in a random order a few turns later; replies leave in parking order,
    /// a group only once it and every group before it finished.
    /// </summary>
    private sealed class OutOfOrderCommitter(int seed) : IBatchHandler, ICommitHandler
    {
        private const int Capacity = 4096;
        private readonly int[] _parked = new int[Capacity];
        private readonly int[] _groupEnd = new int[Capacity];
        private readonly long[] _finishAt = new long[Capacity];
        private readonly Random _random = new(seed);
        private readonly NetAddress _peer = NetAddress.IPv4Loopback(5070);
        private int _parkedCount;
        private int _released;
        private int _groups;
        private int _releasedGroups;
        private long _turns;

        public int OutputFull;


        public bool HasUncommitted => _parkedCount > (_groups == 0 ? 0 : _groupEnd[(_groups - 1) % Capacity]);

        public bool CommitsInFlight => _releasedGroups < _groups;

        public bool EnablePipelinedCommits(IBatchIo io) => io.TryWatch(42);

        public void Handle(DatagramBatch received, DatagramBatch outgoing)
        {
            for (int i = 0; i < received.Count; i++)
            {
                if (!outgoing.TryGetFreeSlot(out Span<byte> slot))
                {
                    OutputFull++; // as the proxy counts it: the request was handled, its reply is lost
                    continue;
                }
                received.Payload(i).CopyTo(slot);
                outgoing.Commit(4, _peer, 0);
                _parked[_parkedCount++ % Capacity] = BinaryPrimitives.ReadInt32LittleEndian(slot);
                outgoing.RemoveLast();
            }
        }

        public bool Commit(DatagramBatch outgoing)
        {
            // Started, not waited for: this group's sync finishes 1 to 6 turns from now, whatever the earlier ones do.
            _groupEnd[_groups % Capacity] = _parkedCount;
            _finishAt[_groups % Capacity] = _turns + _random.Next(1, 7);
            _groups++;
            return Release(outgoing);
        }

        public bool CompleteCommits(DatagramBatch outgoing)
        {
            _turns++;
            return Release(outgoing);
        }

        private bool Release(DatagramBatch outgoing)
        {
            Span<byte> id = stackalloc byte[4];
            while (_releasedGroups < _groups && _finishAt[_releasedGroups % Capacity] <= _turns)
            {
                int end = _groupEnd[_releasedGroups % Capacity];
                while (_released < end)
                {
                    if (outgoing.IsFull)
                        return true;
                    BinaryPrimitives.WriteInt32LittleEndian(id, _parked[_released % Capacity]);
                    outgoing.TryAdd(id, _peer, 0);
                    _released++;
                }
                _releasedGroups++;
            }
            return false;
        }
    }

    /// <summary>
    /// Scripted I/O and handler in one (so what arrives and which commit finishes change at the same moment): the
    /// first look delivers a batch whose commit starts; a later look delivers a second full batch while the first
    /// commit has finished, so the turn's finished replies fill the outgoing batch before the new requests are handled.
    /// </summary>
    private sealed class FullTurnScript : IBatchIo, IBatchHandler, ICommitHandler
    {
        public const int Batch = 16;
        private readonly NetAddress _peer = NetAddress.IPv4Loopback(5070);
        private readonly int[] _parked = new int[4 * Batch];
        private readonly int[] _groupEnd = new int[4];
        private int _looks;
        private int _nextId;
        private int _parkedCount;
        private int _released;
        private int _groups;
        private int _finished;
        private int _releasedGroups;

        public int OutputFull;

        public int Answered;

        public int SocketCount => 1;

        public bool HasUncommitted => _parkedCount > (_groups == 0 ? 0 : _groupEnd[_groups - 1]);

        public bool CommitsInFlight => _releasedGroups < _groups;

        public bool EnablePipelinedCommits(IBatchIo io) => io.TryWatch(42);

        public int Receive(DatagramBatch batch, int timeoutMs)
        {
            batch.Clear();
            _looks++;
            int deliver = 0;
            if (_nextId == 0)
            {
                deliver = Batch;
            }
            else if (_nextId == Batch && _groups == 1 && timeoutMs > 0)
            {
                deliver = Batch;
                _finished = 1; // the first commit's sync completed while the second batch arrived
            }
            else if (_groups == 2 && timeoutMs > 0)
            {
                _finished = 2;
            }
            Span<byte> datagram = stackalloc byte[4];
            for (int i = 0; i < deliver; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(datagram, _nextId++);
                batch.TryAdd(datagram, _peer, 0);
            }
            return deliver;
        }

        public int Send(DatagramBatch outgoing)
        {
            Volatile.Write(ref Answered, Answered + outgoing.Count);
            return outgoing.Count;
        }

        public bool TryWatch(int fd) => true;

        public void Handle(DatagramBatch received, DatagramBatch outgoing)
        {
            for (int i = 0; i < received.Count; i++)
            {
                if (!outgoing.TryGetFreeSlot(out Span<byte> slot))
                {
                    OutputFull++;
                    continue;
                }
                received.Payload(i).CopyTo(slot);
                outgoing.Commit(4, _peer, 0);
                _parked[_parkedCount++] = BinaryPrimitives.ReadInt32LittleEndian(slot);
                outgoing.RemoveLast();
            }
        }

        public bool Commit(DatagramBatch outgoing)
        {
            _groupEnd[_groups++] = _parkedCount;
            return CompleteCommits(outgoing);
        }

        public bool CompleteCommits(DatagramBatch outgoing)
        {
            Span<byte> id = stackalloc byte[4];
            while (_releasedGroups < _finished)
            {
                while (_released < _groupEnd[_releasedGroups])
                {
                    if (outgoing.IsFull)
                        return true;
                    BinaryPrimitives.WriteInt32LittleEndian(id, _parked[_released++]);
                    outgoing.TryAdd(id, _peer, 0);
                }
                _releasedGroups++;
            }
            return false;
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void ATurnWhoseFinishedCommitsFillTheOutgoingBatchStillAnswersTheRequestsItReceives()
    {
        var script = new FullTurnScript();
        var counters = new WorkerCounters[1];
        var worker = new Worker(0, -1, script, FullTurnScript.Batch, FullTurnScript.Batch, 512, counters, 1, _ => { }, 1) { PipelinedCommits = true };
        worker.Start(script);
        try
        {
            SpinWait.SpinUntil(() => Volatile.Read(ref script.Answered) == 2 * FullTurnScript.Batch, TimeSpan.FromSeconds(10));
        }
        finally
        {
            worker.RequestStop();
            Assert.True(worker.Join(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(0, script.OutputFull);
        Assert.Equal(2 * FullTurnScript.Batch, script.Answered);
        Assert.Equal(0L, counters[0].HandlerFaults);
    }

    [Theory]
    [InlineData(16, 1)]
    [InlineData(64, 2)]
    [InlineData(256, 3)]
    public void EveryRequestIsAnsweredOnceInAClosedLoopWithCommitsFinishingAfterRandomDelays(int window, int seed)
    {
        const int Total = 60_000;
        var io = new ClosedLoopIo(window, Total, seed);
        var counters = new WorkerCounters[1];
        var worker = new Worker(0, -1, io, 64, 64, 512, counters, 1, _ => { }, 1) { PipelinedCommits = true };
        var handler = new OutOfOrderCommitter(seed);
        worker.Start(handler);
        try
        {
            // Bounded: a lost reply stalls the closed loop for good, which the bound turns into a failure.
            SpinWait.SpinUntil(() => Volatile.Read(ref io.Answered) == Total, TimeSpan.FromSeconds(60));
        }
        finally
        {
            worker.RequestStop();
            Assert.True(worker.Join(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(0, handler.OutputFull);
        Assert.Equal(0, io.Duplicates);
        Assert.Equal(Total, io.Answered);
        Assert.Equal(0L, counters[0].HandlerFaults);
    }
}
