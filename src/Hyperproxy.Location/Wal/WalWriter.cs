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
/// <para>
/// Pipelined commits (<see cref="TryStart"/>, a worker with a <see cref="WalCommitQueue"/>): the buffered frames
/// are written to the page cache at once and an <c>fdatasync</c> is submitted to the worker's io_uring, which the
/// worker does not wait for; up to <see cref="MaxInFlight"/> such syncs run while the worker goes on with the next
/// requests. A sync covers everything written before it was submitted, and <see cref="DurableUntil"/> moves only
/// over the syncs that completed in submission order: a later sync that finishes first releases nothing until
/// the earlier ones have, and one that fails breaks the writer, so neither its frames nor any later ones are
/// ever acknowledged. A synchronous <see cref="Flush"/> by another thread meanwhile writes what is buffered and
/// syncs every file with frames in flight, so it covers them too.
/// </para>
/// </summary>
internal sealed class WalWriter
{
    private readonly WalJournal _journal;
    private readonly byte[] _buffer;
    private int _pending;
    private int _busy;
    private bool _broken;

    private SafeFileHandle? _file;
    // A second open file description of the segment, for the synchronous flushes: each description reports a
    // write-back error once, so a flush and a pipelined sync running at the same time both see it.
    private SafeFileHandle? _syncFile;
    private string? _path;
    private long _fileOffset;
    private int _segment;
    private long _segmentLastSeq;

    // Logical positions: bytes this writer has framed since it was created (buffered or written).
    private long _appended;
    private long _durableUntil;
    private long _firstPendingSeq = long.MaxValue;

    private long _firstBufferedSeq = long.MaxValue;

    private long _commits;
    private long _lastCommitTicks;
    private long _maxCommitTicks;

    /// <summary>Syncs a writer may have in flight at once (pipelined commits).</summary>
    public const int MaxInFlight = 2;

    private readonly InFlightSync[] _inFlight = new InFlightSync[MaxInFlight];
    private int _inFlightHead;
    private int _inFlightCount;
    private long _submitted;

    private struct InFlightSync
    {
        public long Number;
        public long End;
        public long FirstSeq;
        public long StartedAt;
        public long SubmittedAt;
        public long CheckpointMark;
        public long PreallocationMark;
        public long LogFlushMark;
        public bool Done;
        public bool Covered;
        public int Result;
        public SafeFileHandle? CloseAfter;
        public SafeFileHandle? CloseAfterSync;
        public string? ClosePath;
        public long CloseBytes;
        public long CloseLastSeq;
    }

    public WalWriter(WalJournal journal, int index, int maxFrameBytes)
    {
        _journal = journal;
        Index = index;
        _buffer = GC.AllocateUninitializedArray<byte>(BufferBytes(maxFrameBytes), pinned: true);
    }

    /// <summary>Size of a writer's buffer: what one flush can write at most.</summary>
    public static int BufferBytes(int maxFrameBytes) => Math.Max(256 * 1024, 2 * maxFrameBytes);

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

    /// <summary>The same for the flushes that overlapped a checkpoint (also in <see cref="CommitLatency"/>).</summary>
    public LatencyHistogram CommitLatencyDuringCheckpoint { get; } = new();

    /// <summary>The same for the flushes that overlapped the zero fill of a preallocated segment (also in <see cref="CommitLatency"/>).</summary>
    public LatencyHistogram CommitLatencyDuringPreallocation { get; } = new();

    /// <summary>The same for the flushes that overlapped neither: what the disk alone costs.</summary>
    public LatencyHistogram CommitLatencyQuiet { get; } = new();

    /// <summary>The <c>pwrite</c> part of each flush (into the page cache).</summary>
    public LatencyHistogram WriteLatency { get; } = new();

    /// <summary>The <c>fdatasync</c> part of each flush (synchronous), or from submission to completion (pipelined).</summary>
    /// <summary>The flushes that overlapped a hybrid-log page flush outside a checkpoint.</summary>
    public LatencyHistogram CommitLatencyDuringLogFlush { get; } = new();

    public LatencyHistogram SyncLatency { get; } = new();

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
            // Frames still in flight are older, so their (smaller) number stays the one published.
            _firstBufferedSeq = _journal.CurrentSeq + 1;
            if (Volatile.Read(ref _firstPendingSeq) == long.MaxValue)
                Volatile.Write(ref _firstPendingSeq, _firstBufferedSeq);
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

    /// <summary>True when frames are buffered that no sync has been started for.</summary>
    public bool HasBuffered => Volatile.Read(ref _pending) > 0;

    /// <summary>Syncs started by <see cref="TryStart"/> and not yet completed in order.</summary>
    public int InFlight => Volatile.Read(ref _inFlightCount);

    /// <summary>
    /// Pipelined commit (the owning worker): writes what is buffered to the page cache and submits its
    /// <c>fdatasync</c> to <paramref name="queue"/>'s ring without waiting. Nothing happens while
    /// <see cref="MaxInFlight"/> syncs are in flight (the next completion starts it) or when nothing is
    /// buffered. False when the writer is broken.
    /// </summary>
    internal bool TryStart(WalCommitQueue queue)
    {
        Enter();
        try
        {
            if (_broken)
                return false;
            if (_pending == 0 || _inFlightCount == MaxInFlight)
                return true;
            long start = Stopwatch.GetTimestamp();
            long mark = _journal.CheckpointMark;
            long preallocMark = _journal.PreallocationMark;
            long logFlushMark = _journal.LogFlushMark;
            if (!WriteBuffered())
                return false;
            long wrote = Stopwatch.GetTimestamp();
            WriteLatency.RecordTicks(wrote - start);
            int written = _pending;
            _pending = 0;
            long number = ++_submitted;
            ref InFlightSync sync = ref _inFlight[(_inFlightHead + _inFlightCount) % MaxInFlight];
            sync = default;
            sync.Number = number;
            sync.End = _appended;
            sync.FirstSeq = _firstBufferedSeq;
            sync.StartedAt = start;
            sync.SubmittedAt = wrote;
            sync.CheckpointMark = mark;
            sync.PreallocationMark = preallocMark;
            sync.LogFlushMark = logFlushMark;
            _firstBufferedSeq = long.MaxValue;
            _inFlightCount++;
            bool submitted = queue.Submit(_file!, Index, number);
            if (_fileOffset >= _journal.SegmentBytes)
            {
                // The segment is full: later frames go to a new one, and this file closes once its sync is done
                // (the kernel's request keeps its own reference, but the handle is kept until then all the same).
                HandOverSegment(ref sync);
            }
            if (!submitted)
            {
                // The ring refused it: sync here, as without a ring.
                int result = 0;
                try
                {
                    Libc.DataSync(sync.CloseAfterSync ?? _syncFile!);
                }
                catch (IOException e)
                {
                    result = -5;
                    _journal.ReportFailure(this, e);
                }
                CompleteHeld(number, result);
            }
            _journal.OnWritten(written, notify: false);
            return !_broken;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>A pipelined sync finished (the queue that submitted it reaps its completion): moves
    /// <see cref="DurableUntil"/> over the syncs completed in submission order.</summary>
    internal void OnSyncCompleted(long number, int result)
    {
        Enter();
        CompleteHeld(number, result);
        Exit();
        _journal.NotifyWritten();
    }

    private void CompleteHeld(long number, int result)
    {
        for (int i = 0; i < _inFlightCount; i++)
        {
            ref InFlightSync sync = ref _inFlight[(_inFlightHead + i) % MaxInFlight];
            if (sync.Number == number && !sync.Done)
            {
                sync.Done = true;
                sync.Result = result;
                break;
            }
        }
        long now = 0;
        while (_inFlightCount > 0)
        {
            ref InFlightSync head = ref _inFlight[_inFlightHead];
            if (!head.Done)
                break;
            if (head.Result < 0 && !_broken)
            {
                _broken = true;
                _journal.ReportFailure(this, new IOException($"fdatasync failed (errno {-head.Result})"));
            }
            if (!_broken)
            {
                if (head.End > _durableUntil)
                    Volatile.Write(ref _durableUntil, head.End);
                if (now == 0)
                    now = Stopwatch.GetTimestamp();
                SyncLatency.RecordTicks(now - head.SubmittedAt);
                RecordCommit(now - head.StartedAt, head.CheckpointMark, head.PreallocationMark, head.LogFlushMark);
            }
            if (head.CloseAfter is not null)
            {
                head.CloseAfter.Dispose();
                head.CloseAfterSync?.Dispose();
                _journal.OnSegmentClosed(head.ClosePath!, head.CloseBytes, head.CloseLastSeq);
            }
            head = default;
            _inFlightHead = (_inFlightHead + 1) % MaxInFlight;
            _inFlightCount--;
        }
        if (!_broken)
            PublishFirstPending();
    }

    // The oldest frame not durable: the first sync still in flight, else the first one buffered.
    private void PublishFirstPending()
    {
        long first = _firstBufferedSeq;
        for (int i = 0; i < _inFlightCount; i++)
        {
            ref InFlightSync sync = ref _inFlight[(_inFlightHead + i) % MaxInFlight];
            if (!sync.Covered)
            {
                first = sync.FirstSeq;
                break;
            }
        }
        Volatile.Write(ref _firstPendingSeq, first);
    }

    /// <summary>Flushes (unless <paramref name="flush"/> is false: a simulated crash) and closes the current
    /// segment, handing it to the journal for truncation.</summary>
    public void Close(bool flush)
    {
        Enter();
        if (flush)
            FlushHeld();
        for (int i = 0; i < _inFlightCount; i++)
        {
            ref InFlightSync sync = ref _inFlight[(_inFlightHead + i) % MaxInFlight];
            if (sync.CloseAfter is not null)
            {
                sync.CloseAfter.Dispose();
                sync.CloseAfterSync?.Dispose();
                _journal.OnSegmentClosed(sync.ClosePath!, sync.CloseBytes, sync.CloseLastSeq);
                sync.CloseAfter = null;
                sync.CloseAfterSync = null;
            }
        }
        CloseSegment();
        _broken = true; // nothing more may be appended
        Exit();
    }

    private bool FlushHeld(bool notify = true)
    {
        bool uncovered = false;
        for (int i = 0; i < _inFlightCount; i++)
            uncovered |= !_inFlight[(_inFlightHead + i) % MaxInFlight].Covered;
        if (_pending == 0 && !uncovered)
            return !_broken;
        if (_broken)
            return false;
        long start = Stopwatch.GetTimestamp();
        long mark = _journal.CheckpointMark;
        long preallocMark = _journal.PreallocationMark;
        long logFlushMark = _journal.LogFlushMark;
        int written = _pending;
        if (!WriteBuffered())
            return false;
        long wrote = Stopwatch.GetTimestamp();
        try
        {
            // Frames in flight in a segment already closed are synced through the handle their sync keeps.
            for (int i = 0; i < _inFlightCount; i++)
            {
                ref InFlightSync sync = ref _inFlight[(_inFlightHead + i) % MaxInFlight];
                if (!sync.Covered && sync.CloseAfterSync is not null)
                    Libc.DataSync(sync.CloseAfterSync);
            }
            if (_syncFile is not null)
                Libc.DataSync(_syncFile);
        }
        catch (IOException e)
        {
            _broken = true;
            _journal.ReportFailure(this, e);
            return false;
        }
        long synced = Stopwatch.GetTimestamp();
        long ticks = synced - start;
        WriteLatency.RecordTicks(wrote - start);
        SyncLatency.RecordTicks(synced - wrote);
        _pending = 0;
        for (int i = 0; i < _inFlightCount; i++)
            _inFlight[(_inFlightHead + i) % MaxInFlight].Covered = true;
        _firstBufferedSeq = long.MaxValue;
        Volatile.Write(ref _durableUntil, _appended);
        Volatile.Write(ref _firstPendingSeq, long.MaxValue);
        RecordCommit(ticks, mark, preallocMark, logFlushMark);
        _journal.OnWritten(written, notify);
        if (_fileOffset >= _journal.SegmentBytes)
        {
            if (_inFlightCount > 0 && _inFlight[(_inFlightHead + _inFlightCount - 1) % MaxInFlight].CloseAfter is null)
            {
                // A sync in flight was submitted on this file: it keeps the handle until it completes.
                ref InFlightSync last = ref _inFlight[(_inFlightHead + _inFlightCount - 1) % MaxInFlight];
                HandOverSegment(ref last);
            }
            else
            {
                CloseSegment();
            }
        }
        return true;
    }

    // Writes the buffer at the end of the current segment (page cache only). False (and broken) on an I/O error.
    private bool WriteBuffered()
    {
        if (_pending == 0)
            return true;
        try
        {
            if (_file is null)
                OpenSegment();
            RandomAccess.Write(_file!, new ReadOnlySpan<byte>(_buffer, 0, _pending), _fileOffset);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _broken = true;
            _journal.ReportFailure(this, e);
            return false;
        }
        _fileOffset += _pending;
        return true;
    }

    private void RecordCommit(long ticks, long checkpointMarkAtStart, long preallocationMarkAtStart, long logFlushMarkAtStart)
    {
        CommitLatency.RecordTicks(ticks);
        bool checkpoint = WalJournal.Overlapped(checkpointMarkAtStart, _journal.CheckpointMark);
        bool preallocation = WalJournal.Overlapped(preallocationMarkAtStart, _journal.PreallocationMark);
        // A checkpoint flushes the log too: a log flush counts on its own only outside one.
        bool logFlush = !checkpoint && WalJournal.Overlapped(logFlushMarkAtStart, _journal.LogFlushMark);
        if (checkpoint)
            CommitLatencyDuringCheckpoint.RecordTicks(ticks);
        if (preallocation)
            CommitLatencyDuringPreallocation.RecordTicks(ticks);
        if (logFlush)
            CommitLatencyDuringLogFlush.RecordTicks(ticks);
        if (!checkpoint && !preallocation && !logFlush)
            CommitLatencyQuiet.RecordTicks(ticks);
        Volatile.Write(ref _lastCommitTicks, ticks);
        if (ticks > _maxCommitTicks)
            Volatile.Write(ref _maxCommitTicks, ticks);
        Volatile.Write(ref _commits, _commits + 1);
    }

    private void OpenSegment()
    {
        _path = _journal.SegmentPath(Index, _segment++);
        // A preallocated, zero-filled and synced file when the journal has one ready: writing inside it changes
        // neither the file's size nor its extents, so fdatasync writes the data and flushes the disk cache, no
        // journal (metadata) commit. Otherwise a new empty file, every write extending it.
        _file = _journal.TakeSpare(_path) ?? File.OpenHandle(_path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        _syncFile = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        _fileOffset = 0;
        Libc.SyncDirectory(_journal.Directory);
    }

    private void CloseSegment()
    {
        if (_file is null)
            return;
        _file.Dispose();
        _syncFile?.Dispose();
        _file = null;
        _syncFile = null;
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

    /// <summary>The open segment is full: <paramref name="sync"/> keeps its handles and closes it once it completes; later frames go to a new one.</summary>
    private void HandOverSegment(ref InFlightSync sync)
    {
        sync.CloseAfter = _file;
        sync.CloseAfterSync = _syncFile;
        sync.ClosePath = _path;
        sync.CloseBytes = _fileOffset;
        sync.CloseLastSeq = _segmentLastSeq;
        _file = null;
        _syncFile = null;
        _path = null;
    }
}
