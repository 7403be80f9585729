using System.Globalization;
using System.Runtime.CompilerServices;

namespace Hyperproxy.Transport;

/// <summary>
/// One worker: a dedicated OS thread ("hp-worker-N") pinned to one CPU, with its own sockets
/// (through its <see cref="IBatchIo"/>), its receive and send batches and its counters. The loop:
/// receive a batch, hand it to the handler, send what the handler queued, repeat until stopped.
/// </summary>
public sealed class Worker
{
    private readonly IBatchIo _io;
    private readonly DatagramBatch _received;
    private readonly DatagramBatch _outgoing;
    private readonly WorkerCounters[] _counters;
    private readonly int _pollTimeoutMs;
    private readonly Action<string> _log;
    private readonly int _logEvery;
    private readonly ManualResetEventSlim _started = new(false);
    private IBatchHandler? _handler;
    private IIdleHandler? _idle;
    private ICommitHandler? _committer;
    private ITimerHandler? _timers;
    private bool _pipelined;
    private CommitGathering _gathering = new(s_gatherQuietTicks, s_gatherMaxTicks);
    private Thread? _thread;
    private Exception? _startError;
    private volatile bool _stop;

    /// <summary>Poll timeout while an <see cref="IIdleHandler"/> has parked work.</summary>
    private const int IdlePollMs = 1;

    /// <summary>
    /// Gathering for one commit (<see cref="ICommitHandler"/>) ends once no datagram has arrived for this long:
    /// about the time a closed-loop client on loopback takes to answer the previous replies with new requests.
    /// </summary>
    public const int GatherQuietMicroseconds = 50;

    /// <summary>Gathering for one commit ends after this long in all, so a steady stream still commits.</summary>
    public const int GatherMaxMicroseconds = 500;

    /// <summary>...or after this many extra receive batches.</summary>
    public const int GatherMaxBatches = 8;

    private static readonly long s_gatherQuietTicks = GatherQuietMicroseconds * System.Diagnostics.Stopwatch.Frequency / 1_000_000;
    private static readonly long s_gatherMaxTicks = GatherMaxMicroseconds * System.Diagnostics.Stopwatch.Frequency / 1_000_000;

    internal Worker(int index, int cpu, IBatchIo io, int batchSize, int outgoingSize, int slotSize, WorkerCounters[] counters,
        int pollTimeoutMs, Action<string> log, int logEvery)
    {
        Index = index;
        Cpu = cpu;
        _io = io;
        _received = new DatagramBatch(batchSize, slotSize);
        _outgoing = new DatagramBatch(outgoingSize, slotSize);
        _counters = counters;
        _pollTimeoutMs = pollTimeoutMs;
        _log = log;
        _logEvery = Math.Max(1, logEvery);
    }

    /// <summary>
    /// Tests: the gathering's quiet gap and overall bound in <see cref="System.Diagnostics.Stopwatch"/> ticks instead of
    /// <see cref="GatherQuietMicroseconds"/> and <see cref="GatherMaxMicroseconds"/> (long enough that a descheduled test
    /// thread cannot end a gathering early).
    /// </summary>
    internal (long QuietTicks, long MaxTicks) GatherTicks
    {
        init => _gathering = new CommitGathering(value.QuietTicks, value.MaxTicks);
    }

    /// <summary>0-based worker number.</summary>
    public int Index { get; }

    /// <summary>The CPU the worker is pinned to, or -1 when not pinned.</summary>
    public int Cpu { get; }

    /// <summary>Whether the worker may pipeline its commits (<see cref="TransportOptions.PipelinedCommits"/>).</summary>
    internal bool PipelinedCommits { get; init; }

    /// <summary>True once the worker's commits are pipelined (<see cref="ICommitHandler.EnablePipelinedCommits"/> said yes).</summary>
    public bool CommitsPipelined => _pipelined;

    /// <summary>True while the worker's thread runs.</summary>
    public bool IsRunning => _thread is { IsAlive: true };

    /// <summary>This worker's counters.</summary>
    public TransportCounters Counters => TransportCounters.Read(ref _counters[Index]);

    /// <summary>
    /// GC.GetAllocatedBytesForCurrentThread() as the worker read it on its own thread at the end
    /// of its last loop (after every batch and every idle poll).
    /// </summary>
    public long AllocatedBytes => Volatile.Read(ref _counters[Index].AllocatedBytes);

    /// <summary>Stopwatch ticks this worker spent handling and sending (not waiting for datagrams); the <c>load</c> statistics sample it.</summary>
    public long BusyTicks => Volatile.Read(ref _counters[Index].BusyTicks);

    internal IBatchIo Io => _io;

    /// <summary>Starts the thread and waits until it is pinned and looping; throws if pinning fails.</summary>
    internal void Start(IBatchHandler handler)
    {
        _handler = handler;
        _idle = handler as IIdleHandler;
        _committer = handler as ICommitHandler;
        _timers = handler as ITimerHandler;
        _thread = new Thread(Run)
        {
            IsBackground = true,
            Name = "hp-worker-" + Index.ToString(CultureInfo.InvariantCulture),
        };
        _thread.Start();
        _started.Wait();
        if (_startError is not null)
        {
            _thread.Join();
            throw _startError is TransportException t
                ? new TransportException(t.Message, t)
                : new TransportException($"worker {Index} failed to start: {_startError.Message}", _startError);
        }
    }

    internal void RequestStop() => _stop = true;

    /// <summary>Waits for the thread to leave its loop; false when it did not within the bound.</summary>
    internal bool Join(TimeSpan timeout) => _thread is null || _thread.Join(timeout);

    private void Run()
    {
        try
        {
            if (Cpu >= 0)
                CpuAffinity.PinCurrentThread(Cpu);
            if (_committer is not null && PipelinedCommits)
            {
                // Pipelined commits need the worker to wake when a sync finishes: the handler's descriptor in the poll.
                // Asked for here, on the pinned thread: the kernel's io_uring threads that run the syncs belong to the
                // thread that submits, and a pinned worker's must be given the other CPUs or they queue behind it.
                _pipelined = _committer.EnablePipelinedCommits(_io);
            }

            (_handler as IIoAwareHandler)?.AttachIo(_io);
        }
        catch (Exception e)
        {
            _startError = e;
            _started.Set();
            return;
        }
        _started.Set();

        IBatchHandler handler = _handler!;
        ref WorkerCounters counters = ref _counters[Index];
        while (!_stop)
        {
            try
            {
                RunOnce(handler, ref counters);
            }
            catch (Exception e)
            {
                Fault(ref counters, e);
            }
            Volatile.Write(ref counters.AllocatedBytes, GC.GetAllocatedBytesForCurrentThread());
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RunOnce(IBatchHandler handler, ref WorkerCounters counters)
    {
        IIdleHandler? idle = _idle;
        ITimerHandler? timers = _timers;
        bool pending = idle is not null && idle.HasPendingWork;
        int timeout = pending ? IdlePollMs : _pollTimeoutMs;
        if (timers is not null)
        {
            // A timer (or work handed over by another worker) bounds the wait, so it fires on time even when idle.
            int due = timers.MillisecondsUntilDue();
            if (due < timeout)
                timeout = due;
        }

        ICommitHandler? committer = _committer;
        bool carried = false;
        if (_gathering.Carried > 0)
        {
            // Stragglers of the last commit were handled and wait for the next one: look without waiting.
            carried = committer!.HasUncommitted;
            if (carried)
                timeout = 0;
            else
                _gathering.DropCarried();
        }
        int count = _io.Receive(_received, timeout);
        CountReceiveFaults(ref counters);
        _outgoing.Clear();
        long busyFrom = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_pipelined)
            CompleteCommits(ref counters);
        if (count == 0)
        {
            if (carried)
                GatherAndCommit(handler, committer!, 0, ref counters); // the stragglers, and what comes with them
            else if (pending)
                idle!.OnIdle(_outgoing);
        }
        else
        {
            counters.Received += count;
            counters.Batches++;
            // Pipelined: the replies of the commits that finished this turn may have filled the outgoing batch (it
            // holds as many as a receive batch): they leave first, or every reply of this batch would find it full.
            if (_outgoing.Capacity - _outgoing.Count < count)
                SendOutgoing(ref counters);
            handler.Handle(_received, _outgoing);
            if (committer is not null && committer.HasUncommitted)
                GatherAndCommit(handler, committer, count, ref counters);
        }

        // Timers fire after the batch (busy) or after the wait (idle): never starved by traffic.
        if (timers is not null && timers.MillisecondsUntilDue() == 0)
        {
            if (_outgoing.IsFull)
                SendOutgoing(ref counters);
            timers.OnTimer(_outgoing);
        }

        SendOutgoing(ref counters);
        counters.BusyTicks += System.Diagnostics.Stopwatch.GetTimestamp() - busyFrom;
    }

    /// <summary>
    /// Handles what keeps arriving (never waiting in the kernel) until the requests the previous commit answered
    /// are back, a quiet gap, the time bound or the batch bound (<see cref="CommitGathering"/>), then commits once
    /// and sends what the commit released, a batch at a time. In a closed loop the requests answered by the
    /// previous commit come back within microseconds, so one commit covers the whole window instead of whatever
    /// happened to be in the first batch, and once they are all in hand the commit starts at once.
    /// </summary>
    private void GatherAndCommit(IBatchHandler handler, ICommitHandler committer, int received, ref WorkerCounters counters)
    {
        ref CommitGathering gathering = ref _gathering;
        gathering.Begin(System.Diagnostics.Stopwatch.GetTimestamp(), received);
        int batches = 0;
        while (true)
        {
            if (batches == GatherMaxBatches)
            {
                gathering.BatchBound();
                break;
            }
            if (gathering.TimedOut(System.Diagnostics.Stopwatch.GetTimestamp()))
                break;
            int count = _io.Receive(_received, 0);
            CountReceiveFaults(ref counters);
            if (_pipelined)
                CompleteCommits(ref counters); // a sync that finished meanwhile releases its replies now
            if (count == 0)
            {
                if (gathering.NothingWaiting())
                    break;
                Thread.SpinWait(20);
                continue;
            }
            counters.Received += count;
            counters.Batches++;
            if (_outgoing.Capacity - _outgoing.Count < count)
                SendOutgoing(ref counters); // what needs no commit leaves now, and makes room
            handler.Handle(_received, _outgoing);
            gathering.Arrived(System.Diagnostics.Stopwatch.GetTimestamp(), count);
            batches++;
        }
        gathering.Committed();
        switch (gathering.LastEnd)
        {
            case GatherEnd.Expected: counters.GatherExpected++; break;
            case GatherEnd.Quiet: counters.GatherQuiet++; break;
            default: counters.GatherBound++; break;
        }
        bool more = committer.Commit(_outgoing);
        int stragglers = 0;
        if (!_pipelined)
        {
            // The sync has returned and its replies have not left: what is waiting now arrived during the sync and
            // missed it. Counted before the replies go (answers to them would come back within microseconds and look
            // the same), handled after, and expected by the next gathering on top of this commit's answers.
            stragglers = _io.Receive(_received, 0);
            CountReceiveFaults(ref counters);
        }
        while (more)
        {
            SendOutgoing(ref counters);
            more = committer.Commit(_outgoing);
        }
        if (stragglers > 0)
        {
            SendOutgoing(ref counters); // the commit's replies first
            counters.Received += stragglers;
            counters.Batches++;
            handler.Handle(_received, _outgoing);
            gathering.Stragglers(stragglers);
        }
    }

    /// <summary>Sends the replies of the pipelined commits that finished (in order), a batch at a time.</summary>
    private void CompleteCommits(ref WorkerCounters counters)
    {
        ICommitHandler committer = _committer!;
        if (!committer.CommitsInFlight)
            return;
        while (committer.CompleteCommits(_outgoing))
            SendOutgoing(ref counters);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountReceiveFaults(ref WorkerCounters counters)
    {
        if (_received.Truncated != 0)
            counters.Truncated += _received.Truncated;
        if (_received.ReceiveErrors != 0)
            counters.ReceiveErrors += _received.ReceiveErrors;
    }

    private void SendOutgoing(ref WorkerCounters counters)
    {
        int outgoing = _outgoing.Count;
        if (outgoing == 0)
            return;
        int sent = _io.Send(_outgoing);
        counters.Sent += sent;
        if (sent != outgoing)
            counters.SendErrors += outgoing - sent;
        _outgoing.Clear();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Fault(ref WorkerCounters counters, Exception e)
    {
        // A backstop: handlers guard each datagram themselves (StatelessProxy drops only the one that threw).
        // What escapes them costs the batch in hand; the worker lives on.
        _outgoing.Clear();
        long faults = ++counters.HandlerFaults;
        if (faults == 1 || faults % _logEvery == 0)
        {
            _log($"worker {Index}: handler fault #{faults}, batch dropped: {e.GetType().Name}: {e.Message}"
                + (faults == 1 ? Environment.NewLine + e.StackTrace + $"{Environment.NewLine}(further faults logged every {_logEvery})" : ""));
        }
    }
}
