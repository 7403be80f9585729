using System.Buffers.Binary;
using System.Diagnostics;
using FASTER.core;
using Hyperproxy.Location.Wal;

namespace Hyperproxy.Location.Faster;

// Durability: the WAL (sync mode: one writer per session, each flushed by the thread that owns it — a
// worker once per receive batch), and fold-over checkpoints carrying the WAL sequence number in the commit
// cookie, the WAL being truncated behind the previous checkpoint. Checkpoints run on their own thread: every
// CheckpointInterval, and early when the WAL written since the last one passes CheckpointWalBytes.
public sealed partial class FasterLocationStore
{
    /// <summary>Where the WAL segments live, under the data directory. (Builds before 2026-12 kept a FasterLog
    /// in <c>wal/</c>; that folder is no longer read.)</summary>
    internal const string WalFolder = "journal";

    private WalJournal? _wal;
    private WalRecovery? _walRecovery;

    private readonly object _checkpointLock = new();
    private readonly AutoResetEvent _checkpointWake = new(false);
    private int _walCheckpointRequested;
    private long _walTriggeredCheckpoints;
    private long _checkpoints;
    private long _lastCheckpointTicks;
    private long _maxCheckpointTicks;
    private long _previousCookie;
    private long _walBytesAtCheckpoint;
    private long _lastCheckpointTail = -1;

    private void OpenWal()
    {
        string directory = Path.Combine(_dataDirectory, WalFolder);
        _walRecovery = WalRecovery.Read(directory);
        long cookie = RecoveredCookie();
        _wal = new WalJournal(directory, _walRecovery.NextGeneration, Math.Max(cookie, _walRecovery.LastSeq),
            _options.MaxRecordBytes + WalFrame.HeaderSize + WalEntry.HeaderSize + WalEntry.MaxKeyLength,
            _options.EffectiveWalSegmentBytes, _options.Log);
        _wal.WrittenBytesChanged = OnWalWritten;
        _flushedUntil = FlushedUntilReader();
        if (_flushedUntil is not null)
            _wal.LogFlushMarkSource = LogFlushMark;
    }

    private Func<long>? _flushedUntil;

    // FASTER's flushed-until address, times 2, + 1 while pages below the read-only address wait for their flush.
    private long LogFlushMark()
    {
        long flushed = _flushedUntil!();
        return flushed * 2 + (flushed < _kv.Log.ReadOnlyAddress ? 1 : 0);
    }

    /// <summary>
    /// A reader of the hybrid log's flushed-until address (FASTER keeps it in its allocator, which its public API does
    /// not show): a compiled field read, made once (no reflection or allocation per call); null when this FASTER
    /// version lays it out otherwise, and the WAL statistics then leave hybrid-log flushes out.
    /// </summary>
    private Func<long>? FlushedUntilReader()
    {
        const System.Reflection.BindingFlags Fields = System.Reflection.BindingFlags.Instance
            | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic;
        foreach (System.Reflection.FieldInfo field in _kv.GetType().GetFields(Fields))
        {
            for (Type? t = field.FieldType; t is not null; t = t.BaseType)
            {
                if (!t.IsGenericType || t.Name != "AllocatorBase`2" || t.Namespace != "FASTER.core")
                    continue;
                System.Reflection.FieldInfo? flushed = t.GetField("FlushedUntilAddress", Fields);
                if (flushed is null || flushed.FieldType != typeof(long))
                    return null;
                var kv = System.Linq.Expressions.Expression.Constant(_kv);
                var read = System.Linq.Expressions.Expression.Field(
                    System.Linq.Expressions.Expression.Convert(System.Linq.Expressions.Expression.Field(kv, field), t), flushed);
                return System.Linq.Expressions.Expression.Lambda<Func<long>>(read).Compile();
            }
        }
        return null;
    }

    private long RecoveredCookie()
        => _kv.RecoveredCommitCookie is { Length: >= 8 } cookie ? BinaryPrimitives.ReadInt64LittleEndian(cookie) : 0;

    private void CloseWal(bool flush) => _wal?.Close(flush);

    internal CommitTicket TicketFor(UpdateStatus status, WalWriter? writer, long walPosition)
    {
        if (_wal is null)
            return CommitTicket.None;
        // A written change is durable once its writer has synced past it; an unchanged record only once
        // every entry numbered so far is (it may show another session's change not yet on disk).
        return status is UpdateStatus.Written or UpdateStatus.Deleted && writer is not null && walPosition > 0 ? WalJournal.WriterTicket(writer, walPosition) : _wal.StoreWideTicket();
    }

    public bool IsCommitted(CommitTicket ticket) => _wal is null || _wal.IsCommitted(ticket);

    public bool Commit(CommitTicket ticket) => _wal is null || _wal.Commit(ticket);

    internal WalWriter? NewWalWriter() => _wal?.NewWriter();

    public ICommitQueue? NewCommitQueue() => _wal?.NewCommitQueue();

    /// <summary>Why <see cref="NewCommitQueue"/> returned null in sync mode (io_uring unavailable), for the start-up line.</summary>
    public static string? CommitQueueUnavailableReason => IoUring.LastError;

    /// <summary>The WAL of sync mode (tests).</summary>
    internal WalJournal? Wal => _wal;

    /// <summary>After a WAL flush (writing thread): wakes the checkpoint thread once the WAL written since the
    /// last checkpoint passes the threshold.</summary>
    private void OnWalWritten()
    {
        if (WalOverCheckpointThreshold())
            RequestWalCheckpoint();
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
            long walSeq = _wal?.CurrentSeq ?? 0;
            long walBytes = _wal?.WrittenBytes ?? 0;
            bool full = _checkpoints % Math.Max(1, _options.IndexCheckpointEvery) == 0;
            if (!full && _kv.Log.TailAddress == _lastCheckpointTail && walSeq == _previousCookie)
                return true;
            long tail = _kv.Log.TailAddress;
            var cookie = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(cookie, walSeq);
            _kv.CommitCookie = cookie;
            bool ok;
            _wal?.CheckpointStarted();
            try
            {
                (ok, Guid _) = full
                    ? _kv.TakeFullCheckpointAsync(CheckpointType.FoldOver).AsTask().GetAwaiter().GetResult()
                    : _kv.TakeHybridLogCheckpointAsync(CheckpointType.FoldOver).AsTask().GetAwaiter().GetResult();
            }
            finally
            {
                _wal?.CheckpointEnded();
            }
            if (!ok)
                return false;
            _wal?.TruncateThrough(_previousCookie);
            Volatile.Write(ref _previousCookie, walSeq);
            Volatile.Write(ref _walBytesAtCheckpoint, walBytes);
            _lastCheckpointTail = tail;
            WriteSeal(tail);
            long ticks = Stopwatch.GetElapsedTime(start).Ticks;
            Volatile.Write(ref _lastCheckpointTicks, ticks);
            if (ticks > _maxCheckpointTicks)
                Volatile.Write(ref _maxCheckpointTicks, ticks);
            Interlocked.Increment(ref _checkpoints);
            return true;
        }
    }

    /// <summary>WAL bytes written since the start of the last completed checkpoint (0 without a WAL).</summary>
    private long WalSinceCheckpoint => _wal is null ? 0 : _wal.WrittenBytes - Volatile.Read(ref _walBytesAtCheckpoint);

    private bool WalOverCheckpointThreshold()
        => _options.CheckpointWalBytes > 0 && WalSinceCheckpoint > _options.CheckpointWalBytes;

    /// <summary>Wakes the checkpoint thread once per early checkpoint (one event set per checkpoint, whichever
    /// thread flushed past the threshold).</summary>
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
            // Requests made while the checkpoint ran measured against the old baseline; look again against
            // the new one (the writers may be idle now and would not ask again).
            Volatile.Write(ref _walCheckpointRequested, 0);
            if (WalOverCheckpointThreshold())
                RequestWalCheckpoint();
        }
    }
}
