using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace Hyperproxy.Location.Wal;

/// <summary>
/// One session's part of the write-ahead log: its own segment files, so sessions (workers) never contend
/// on a file or a buffer. <see cref="Append"/> frames a change into a pinned buffer (no I/O); <see cref="Flush"/>
/// writes everything buffered with one <c>pwrite</c> and one <c>fdatasync</c> on the calling thread and
/// only then publishes it as durable. A worker flushes once per receive batch (group commit without a
/// thread hop); anyone may flush a writer (a reply waiting on another session's entry, a test, shutdown),
/// which is why both calls take <see cref="_busy"/> — uncontended in the worker's own use, so a single
/// compare-and-swap.
/// </summary>
internal sealed class WalWriter
{
    private readonly WalJournal _journal;
    private readonly byte[] _buffer;
    private int _pending;
    private int _busy;
    private bool _broken;

    private SafeFileHandle? _file;
    private string? _path;
    private long _fileOffset;
    private int _segment;
    private long _segmentLastSeq;

    // Logical positions: bytes this writer has framed since it was created (buffered or written).
    private long _appended;
    private long _durableUntil;
    private long _firstPendingSeq = long.MaxValue;

    private long _commits;
    private long _lastCommitTicks;
    private long _maxCommitTicks;

    public WalWriter(WalJournal journal, int index, int maxFrameBytes)
    {
        _journal = journal;
        Index = index;
        _buffer = GC.AllocateUninitializedArray<byte>(Math.Max(256 * 1024, 2 * maxFrameBytes), pinned: true);
    }

    /// <summary>This writer's number in its journal (part of its tickets and file names).</summary>
    public int Index { get; }

    /// <summary>Logical position up to which everything appended is on disk.</summary>
    public long DurableUntil => Volatile.Read(ref _durableUntil);

    /// <summary>Sequence number of the oldest entry not yet on disk; <see cref="long.MaxValue"/> when none.</summary>
    public long FirstPendingSeq => Volatile.Read(ref _firstPendingSeq);

    public long Commits => Volatile.Read(ref _commits);

    public long LastCommitTicks => Volatile.Read(ref _lastCommitTicks);

    public long MaxCommitTicks => Volatile.Read(ref _maxCommitTicks);

    /// <summary>Durations of this writer's flushes (write + fdatasync), one writer at a time.</summary>
    public LatencyHistogram CommitLatency { get; } = new();

    /// <summary>
    /// Frames one change (a <see cref="WalEntry"/>) and returns the logical position its ticket waits for.
    /// Called inside the store's update, under FASTER's record lock, so the sequence number taken here
    /// orders the changes of one AoR exactly as they were applied.
    /// </summary>
    public long Append(byte op, ReadOnlySpan<byte> key, ReadOnlySpan<byte> record)
    {
        int payload = WalEntry.HeaderSize + key.Length + record.Length;
        int frame = WalFrame.HeaderSize + payload;
        Enter();
        bool flushed = false;
        if (frame > _buffer.Length - _pending)
            flushed = FlushHeld(notify: false);
        if (frame > _buffer.Length - _pending)
        {
            // Only a broken writer gets here (its buffer could not be written): the change stays in memory,
            // and its ticket (past anything ever durable) never commits, so it is never acknowledged.
            Exit();
            return long.MaxValue;
        }
        if (_pending == 0)
        {
            // Published before the sequence number is drawn, so a reader that sees the new number also sees
            // that this writer holds something at or before it (WalJournal.IsCommitted of a store-wide ticket).
            Volatile.Write(ref _firstPendingSeq, _journal.CurrentSeq + 1);
        }
        long seq = _journal.NextSeq();
        Span<byte> target = _buffer.AsSpan(_pending, frame);
        WalEntry.Write(target.Slice(WalFrame.HeaderSize), op, key, record);
        WalFrame.Seal(target, payload, seq);
        _pending += frame;
        _segmentLastSeq = seq;
        long position = _appended + frame;
        _appended = position;
        Exit();
        // Only now may a checkpoint the flush asked for take its cookie: this change is then in it.
        if (flushed)
            _journal.NotifyWritten();
        return position;
    }

    /// <summary>Writes and syncs whatever is buffered; false when the writer is broken (an I/O error).</summary>
    public bool Flush()
    {
        Enter();
        bool ok = FlushHeld();
        Exit();
        return ok;
    }

    /// <summary>Flushes if <paramref name="position"/> is not durable yet; true once it is.</summary>
    public bool CommitUntil(long position)
    {
        if (DurableUntil >= position)
            return true;
        Flush();
        return DurableUntil >= position;
    }

    /// <summary>Flushes (unless <paramref name="flush"/> is false: a simulated crash) and closes the current
    /// segment, handing it to the journal for truncation.</summary>
    public void Close(bool flush)
    {
        Enter();
        if (flush)
            FlushHeld();
        CloseSegment();
        _broken = true; // nothing more may be appended
        Exit();
    }

    private bool FlushHeld(bool notify = true)
    {
        if (_pending == 0)
            return !_broken;
        if (_broken)
            return false;
        long start = Stopwatch.GetTimestamp();
        try
        {
            if (_file is null)
                OpenSegment();
            RandomAccess.Write(_file!, new ReadOnlySpan<byte>(_buffer, 0, _pending), _fileOffset);
            Libc.DataSync(_file!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _broken = true;
            _journal.ReportFailure(this, e);
            return false;
        }
        long ticks = Stopwatch.GetTimestamp() - start;
        int written = _pending;
        _fileOffset += written;
        _pending = 0;
        Volatile.Write(ref _durableUntil, _appended);
        Volatile.Write(ref _firstPendingSeq, long.MaxValue);
        CommitLatency.RecordTicks(ticks);
        Volatile.Write(ref _lastCommitTicks, ticks);
        if (ticks > _maxCommitTicks)
            Volatile.Write(ref _maxCommitTicks, ticks);
        Volatile.Write(ref _commits, _commits + 1);
        _journal.OnWritten(written, notify);
        if (_fileOffset >= _journal.SegmentBytes)
            CloseSegment();
        return true;
    }

    private void OpenSegment()
    {
        _path = _journal.SegmentPath(Index, _segment++);
        _file = File.OpenHandle(_path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        _fileOffset = 0;
        Libc.SyncDirectory(_journal.Directory);
    }

    private void CloseSegment()
    {
        if (_file is null)
            return;
        _file.Dispose();
        _file = null;
        _journal.OnSegmentClosed(_path!, _fileOffset, _segmentLastSeq);
        _path = null;
    }

    private void Enter()
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            EnterContended();
    }

    private void EnterContended()
    {
        var spin = new SpinWait();
        while (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            spin.SpinOnce();
    }

    private void Exit() => Volatile.Write(ref _busy, 0);
}
