using System.Buffers.Binary;
using System.Diagnostics;
using System.Numerics;
using FASTER.core;

namespace Hyperproxy.Location.Faster;

// Durability: the WAL (sync mode) with its group-commit thread, and fold-over checkpoints carrying the
// WAL address in the commit cookie, the WAL being truncated behind the previous checkpoint. Checkpoints
// run on their own thread: every CheckpointInterval, and early when the commit thread sees more than
// CheckpointWalBytes of WAL since the last one.
public sealed partial class FasterLocationStore
{
    private FasterLog? _wal;
    private FasterLogSettings? _walSettings;
    private Thread? _committer;
    private readonly AutoResetEvent _committerWake = new(false);
    private readonly object _commitSignal = new();
    private int _committerIdle;
    private long _walCommits;
    private long _lastCommitTicks;
    private long _maxCommitTicks;

    private readonly object _checkpointLock = new();
    private readonly AutoResetEvent _checkpointWake = new(false);
    private int _walCheckpointRequested;
    private long _walTriggeredCheckpoints;
    private long _checkpoints;
    private long _lastCheckpointTicks;
    private long _maxCheckpointTicks;
    private long _previousCookie;
    private long _lastCheckpointTail = -1;

    private void OpenWal()
    {
        string walDirectory = Path.Combine(_dataDirectory, "wal");
        Directory.CreateDirectory(walDirectory);
        long memory = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(4L << 20, _options.WalMemoryBytes));
        _walSettings = new FasterLogSettings(walDirectory, false)
        {
            PageSize = 1L << 20, // part of the on-disk format, like the segment size
            MemorySize = memory,
            SegmentSize = 1L << 26,
            FastCommitMode = true,
            LogChecksum = LogChecksumType.PerEntry,
            TryRecoverLatest = true,
        };
        _wal = new FasterLog(_walSettings);
    }

    private void CloseWal(bool commit)
    {
        if (_wal is null)
            return;
        if (commit)
            _wal.CommitAsync().AsTask().GetAwaiter().GetResult();
        _wal.Dispose();
        _walSettings?.Dispose();
    }

    internal CommitTicket TicketFor(UpdateStatus status, long walAddress)
    {
        if (_wal is null)
            return CommitTicket.None;
        // A written change is durable once the log is committed past its entry's start; an unchanged
        // record only once everything enqueued so far is (it may show a change not yet committed).
        return walAddress > 0 ? new CommitTicket(walAddress + 1) : new CommitTicket(_wal.TailAddress);
    }

    public bool IsCommitted(CommitTicket ticket)
        => ticket.Address == 0 || _wal is null || Volatile.Read(ref _wal.CommittedUntilAddress) >= ticket.Address;

    public bool WaitCommitted(CommitTicket ticket, TimeSpan timeout)
    {
        if (IsCommitted(ticket))
            return true;
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_commitSignal)
        {
            while (!IsCommitted(ticket))
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0 || _disposed)
                    return IsCommitted(ticket);
                WakeCommitter();
                Monitor.Wait(_commitSignal, (int)Math.Min(left, 50));
            }
        }
        return true;
    }

    /// <summary>Called after a WAL enqueue: wakes the committer if it is waiting for work.</summary>
    internal void WakeCommitter()
    {
        if (Volatile.Read(ref _committerIdle) == 1 && Interlocked.Exchange(ref _committerIdle, 0) == 1)
            _committerWake.Set();
    }

    private void CommitLoop()
    {
        FasterLog wal = _wal!;
        while (!_stopping)
        {
            if (wal.TailAddress > wal.CommittedUntilAddress)
            {
                long start = Stopwatch.GetTimestamp();
                wal.CommitAsync().AsTask().GetAwaiter().GetResult();
                long ticks = Stopwatch.GetElapsedTime(start).Ticks;
                Volatile.Write(ref _lastCommitTicks, ticks);
                if (ticks > _maxCommitTicks)
                    Volatile.Write(ref _maxCommitTicks, ticks);
                Interlocked.Increment(ref _walCommits);
                lock (_commitSignal)
                    Monitor.PulseAll(_commitSignal);
                if (WalOverCheckpointThreshold())
                    RequestWalCheckpoint();
                continue;
            }
            Interlocked.Exchange(ref _committerIdle, 1);
            if (wal.TailAddress > wal.CommittedUntilAddress)
            {
                Interlocked.Exchange(ref _committerIdle, 0);
                continue;
            }
            _committerWake.WaitOne(100);
            Interlocked.Exchange(ref _committerIdle, 0);
        }
    }

    /// <summary>Takes a fold-over checkpoint now (the background thread does this every
    /// <see cref="LocationStoreOptions.CheckpointInterval"/>). False in <see cref="Durability.None"/> or on failure.</summary>
    public bool CheckpointNow()
    {
        if (_options.Durability == Durability.None)
            return false;
        lock (_checkpointLock)
        {
            long start = Stopwatch.GetTimestamp();
            long walTail = _wal?.TailAddress ?? 0;
            bool full = _checkpoints % Math.Max(1, _options.IndexCheckpointEvery) == 0;
            if (!full && _kv.Log.TailAddress == _lastCheckpointTail && walTail == _previousCookie)
                return true;
            long tail = _kv.Log.TailAddress;
            var cookie = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(cookie, walTail);
            _kv.CommitCookie = cookie;
            (bool ok, Guid _) = full
                ? _kv.TakeFullCheckpointAsync(CheckpointType.FoldOver).AsTask().GetAwaiter().GetResult()
                : _kv.TakeHybridLogCheckpointAsync(CheckpointType.FoldOver).AsTask().GetAwaiter().GetResult();
            if (!ok)
                return false;
            if (_wal is not null && _previousCookie > _wal.BeginAddress)
                _wal.TruncateUntil(_previousCookie);
            Volatile.Write(ref _previousCookie, walTail);
            _lastCheckpointTail = tail;
            long ticks = Stopwatch.GetElapsedTime(start).Ticks;
            Volatile.Write(ref _lastCheckpointTicks, ticks);
            if (ticks > _maxCheckpointTicks)
                Volatile.Write(ref _maxCheckpointTicks, ticks);
            Interlocked.Increment(ref _checkpoints);
            return true;
        }
    }

    /// <summary>WAL bytes written since the last completed checkpoint (0 without a WAL).</summary>
    private long WalSinceCheckpoint => _wal is null ? 0 : _wal.TailAddress - Volatile.Read(ref _previousCookie);

    private bool WalOverCheckpointThreshold()
        => _options.CheckpointWalBytes > 0 && WalSinceCheckpoint > _options.CheckpointWalBytes;

    /// <summary>Wakes the checkpoint thread once per early checkpoint (commit thread only).</summary>
    private void RequestWalCheckpoint()
    {
        if (Interlocked.Exchange(ref _walCheckpointRequested, 1) == 0)
            _checkpointWake.Set();
    }

    private void CheckpointLoop()
    {
        var handles = new WaitHandle[] { _stopEvent, _checkpointWake };
        while (true)
        {
            int woken = WaitHandle.WaitAny(handles, _options.CheckpointInterval);
            if (woken == 0)
                return;
            if (CheckpointNow() && woken == 1)
                Interlocked.Increment(ref _walTriggeredCheckpoints);
            // Requests made while the checkpoint ran measured against the old cookie; look again against
            // the new one (the commit thread may be idle now and would not ask again).
            Volatile.Write(ref _walCheckpointRequested, 0);
            if (WalOverCheckpointThreshold())
                RequestWalCheckpoint();
        }
    }
}
