using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Hyperproxy.Location.Wal;

/// <summary>
/// The store's write-ahead log (<see cref="Durability.Sync"/>): one <see cref="WalWriter"/> per session,
/// each with its own segment files <c>GGGGGG-WWWW-SSSSSS.wal</c> (generation of this open, writer, segment)
/// in one directory, and one store-wide sequence number that orders every change for replay.
/// <para>
/// Tickets: a written change waits for its own writer, <c>(writer + 1) &lt;&lt; 48 | position</c>; a read
/// that changed nothing (it may show another session's change not yet on disk) waits for every entry
/// numbered up to the sequence number of that moment, <c>0x7FFF &lt;&lt; 48 | seq</c>.
/// </para>
/// <para>
/// Truncation: a checkpoint whose cookie is sequence number C holds every change numbered up to C; a closed
/// segment whose last entry is at or below the cookie of the checkpoint before the latest is deleted
/// (one checkpoint of slack, as the FASTER checkpoint files keep).
/// </para>
/// </summary>
internal sealed class WalJournal
{
    private const int PositionBits = 48;
    private const long PositionMask = (1L << PositionBits) - 1;
    private const int StoreWideTag = 0x7FFF;

    private readonly int _maxFrameBytes;
    private readonly long _generation;
    private readonly object _writersLock = new();
    private WalWriter[] _writers = [];
    private readonly ConcurrentQueue<ClosedSegment> _closed = new();
    private readonly Action<string> _log;
    private long _seq;
    private long _written;
    private long _onDisk;
    private long _failures;

    private readonly ConcurrentQueue<string> _spares = new();
    private readonly AutoResetEvent _spareWake = new(false);
    private readonly bool _preallocate;
    private Thread? _preallocator;
    private int _sparesWanted;
    private int _spareNumber;
    private long _sparesTaken;
    private long _sparesMissed;
    private volatile bool _closing;

    public WalJournal(string directory, long generation, long lastSeq, int maxFrameBytes, long segmentBytes, Action<string> log,
        bool preallocate = true)
    {
        System.IO.Directory.CreateDirectory(directory);
        Directory = directory;
        _generation = generation;
        _seq = lastSeq;
        _maxFrameBytes = maxFrameBytes;
        SegmentBytes = segmentBytes;
        _log = log;
        _preallocate = preallocate;
        // A segment gets at most one buffer past SegmentBytes before it is closed.
        PreallocateBytes = (segmentBytes + WalWriter.BufferBytes(maxFrameBytes) + 0xFFFF) & ~0xFFFFL;
        foreach (string stale in System.IO.Directory.GetFiles(directory, "*" + SpareSuffix))
        {
            try
            {
                File.Delete(stale);
            }
            catch (IOException)
            {
                // Left for the next start.
            }
        }
    }

    private const string SpareSuffix = ".spare";

    /// <summary>The zero fill of a spare segment is written and sent to the disk this much at a time.</summary>
    private const int ZeroFillChunk = 256 * 1024;

    /// <summary>Size of a preallocated segment file.</summary>
    public long PreallocateBytes { get; }

    /// <summary>Segments opened on a preallocated file, and opened on a new empty one because none was ready.</summary>
    public (long Taken, long Missed) SpareCounts => (Volatile.Read(ref _sparesTaken), Volatile.Read(ref _sparesMissed));

    public string Directory { get; }

    /// <summary>A segment is closed once a flush leaves it this large.</summary>
    public long SegmentBytes { get; }

    /// <summary>Called (on the writing thread) when the bytes written since the last checkpoint may have
    /// passed the early-checkpoint threshold; the store wires it to its checkpoint thread.</summary>
    public Action? WrittenBytesChanged { get; set; }

    /// <summary>The last sequence number drawn.</summary>
    public long CurrentSeq => Volatile.Read(ref _seq);

    /// <summary>Bytes written to segments since the journal was opened.</summary>
    public long WrittenBytes => Volatile.Read(ref _written);

    /// <summary>Bytes in segment files not deleted yet (this open's, plus the recovered ones handed over).</summary>
    public long BytesOnDisk => Volatile.Read(ref _onDisk);

    /// <summary>Flushes that failed (the writer is then broken: nothing it holds is ever acknowledged).</summary>
    public long Failures => Volatile.Read(ref _failures);

    public long NextSeq() => Interlocked.Increment(ref _seq);

    public WalWriter NewWriter()
    {
        lock (_writersLock)
        {
            if (_writers.Length >= StoreWideTag - 1)
                throw new InvalidOperationException("too many location-store sessions for one WAL");
            var writer = new WalWriter(this, _writers.Length, _maxFrameBytes);
            var grown = new WalWriter[_writers.Length + 1];
            _writers.CopyTo(grown, 0);
            grown[^1] = writer;
            Volatile.Write(ref _writers, grown);
            return writer;
        }
    }

    /// <summary>The writer a writer ticket waits for; null for a store-wide ticket or none.</summary>
    public WalWriter? WriterOf(CommitTicket ticket)
    {
        if (ticket.IsNone)
            return null;
        int tag = (int)(ticket.Address >> PositionBits);
        return tag == StoreWideTag ? null : WriterAt(tag - 1);
    }

    public WalWriter? WriterAt(int index)
    {
        WalWriter[] writers = Volatile.Read(ref _writers);
        return (uint)index < (uint)writers.Length ? writers[index] : null;
    }

    /// <summary>A worker's pipelined commits on its own io_uring, made on the worker's thread; null where io_uring is
    /// not available or its sync threads would have no CPU but the worker's (the worker then commits synchronously;
    /// <see cref="IoUring.LastError"/> says why). A pinned worker's syncs run on the process's other CPUs.</summary>
    public WalCommitQueue? NewCommitQueue()
    {
        IoUring? ring = IoUring.TryCreate(32);
        if (ring is null)
            return null;
        string? why = ring.KeepSyncThreadsOffCallingThreadCpus();
        if (why is not null)
        {
            IoUring.LastError = why;
            ring.Dispose();
            return null;
        }
        return new WalCommitQueue(this, ring);
    }

    /// <summary>
    /// A preallocated segment renamed to <paramref name="path"/> and opened for writing, or null when none is
    /// ready (the writer then creates an empty file). When none is left, the preallocator is asked for the next one.
    /// </summary>
    internal SafeFileHandle? TakeSpare(string path)
    {
        if (!_preallocate)
            return null;
        SafeFileHandle? handle = null;
        while (handle is null && _spares.TryDequeue(out string? spare))
        {
            try
            {
                File.Move(spare, path);
                handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.Read);
            }
            catch (IOException e)
            {
                _log($"location store: cannot use preallocated WAL segment {spare}: {e.Message}");
            }
        }
        if (handle is null)
            Interlocked.Increment(ref _sparesMissed);
        else
            Interlocked.Increment(ref _sparesTaken);
        if (_spares.IsEmpty)
        {
            // None left for the next segment: the preallocator makes one. While recycled spares (TryRecycle) are
            // in stock, a take asks for no zero fill.
            Interlocked.Increment(ref _sparesWanted);
            EnsurePreallocator();
            _spareWake.Set();
        }
        return handle;
    }

    private void EnsurePreallocator()
    {
        if (Volatile.Read(ref _preallocator) is not null)
            return;
        lock (_writersLock)
        {
            if (_preallocator is not null || _closing)
                return;
            var thread = new Thread(PreallocateLoop) { IsBackground = true, Name = "location-wal-prealloc" };
            thread.Start();
            Volatile.Write(ref _preallocator, thread);
        }
    }

    // Keeps one zero-filled, synced segment file ready per segment a writer opened, so that the next segment a
    // writer opens is one fdatasync never has to extend (no file-system journal commit per flush).
    private void PreallocateLoop()
    {
        byte[] zeros = new byte[ZeroFillChunk];
        while (!_closing)
        {
            while (!_closing && _spares.Count < Volatile.Read(ref _sparesWanted))
            {
                string path = Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture,
                    $"{_generation:D6}-{Interlocked.Increment(ref _spareNumber):D6}{SpareSuffix}"));
                if (!Preallocate(path, zeros))
                    break;
                _spares.Enqueue(path);
                Interlocked.Decrement(ref _sparesWanted);
            }
            _spareWake.WaitOne(1000);
        }
    }

    private bool Preallocate(string path, byte[] zeros)
    {
        Interlocked.Increment(ref _preallocationMark);
        try
        {
            return PreallocateMarked(path, zeros);
        }
        finally
        {
            Interlocked.Increment(ref _preallocationMark);
        }
    }

    private bool PreallocateMarked(string path, byte[] zeros)
    {
        try
        {
            using (SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write))
            {
                for (long offset = 0; offset < PreallocateBytes; offset += zeros.Length)
                {
                    if (_closing)
                        break;
                    int length = (int)Math.Min(zeros.Length, PreallocateBytes - offset);
                    RandomAccess.Write(file, zeros.AsSpan(0, length), offset);
                    // Paced: each chunk reaches the disk before the next is written, so a worker's WAL sync issued
                    // meanwhile queues behind one chunk at most, not behind the whole segment's write-back.
                    Libc.WriteOut(file, offset, length);
                }
                if (!_closing)
                    Libc.DataSync(file);
            }
            if (_closing)
            {
                File.Delete(path);
                return false;
            }
            Libc.SyncDirectory(Directory);
            return true;
        }
        catch (IOException e)
        {
            _log($"location store: cannot preallocate a WAL segment ({path}): {e.Message}; segments grow as they are written");
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            return false;
        }
    }

    public static CommitTicket WriterTicket(WalWriter writer, long position)
        => position >= PositionMask ? new CommitTicket(((long)(writer.Index + 1) << PositionBits) | PositionMask) // never commits
            : new CommitTicket(((long)(writer.Index + 1) << PositionBits) | position);

    public CommitTicket StoreWideTicket() => new(((long)StoreWideTag << PositionBits) | CurrentSeq);

    public bool IsCommitted(CommitTicket ticket)
    {
        if (ticket.IsNone)
            return true;
        int tag = (int)(ticket.Address >> PositionBits);
        long value = ticket.Address & PositionMask;
        WalWriter[] writers = Volatile.Read(ref _writers);
        if (tag != StoreWideTag)
            return (uint)(tag - 1) < (uint)writers.Length && writers[tag - 1].DurableUntil >= value;
        for (int i = 0; i < writers.Length; i++)
        {
            if (writers[i].FirstPendingSeq <= value)
                return false;
        }
        return true;
    }

    /// <summary>
    /// Makes the change behind <paramref name="ticket"/> durable now, on the calling thread: flushes its
    /// writer, or for a store-wide ticket every writer holding an entry at or before it. True once it is.
    /// </summary>
    public bool Commit(CommitTicket ticket)
    {
        if (IsCommitted(ticket))
            return true;
        int tag = (int)(ticket.Address >> PositionBits);
        long value = ticket.Address & PositionMask;
        WalWriter[] writers = Volatile.Read(ref _writers);
        if (tag != StoreWideTag)
            return (uint)(tag - 1) < (uint)writers.Length && writers[tag - 1].CommitUntil(value);
        for (int i = 0; i < writers.Length; i++)
        {
            if (writers[i].FirstPendingSeq <= value)
                writers[i].Flush();
        }
        return IsCommitted(ticket);
    }

    /// <summary>Flushes every writer (shutdown).</summary>
    public void FlushAll()
    {
        foreach (WalWriter writer in Volatile.Read(ref _writers))
            writer.Flush();
    }

    public string SegmentPath(int writer, int segment)
        => Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"{_generation:D6}-{writer:D4}-{segment:D6}.wal"));

    internal void OnWritten(int bytes, bool notify)
    {
        Interlocked.Add(ref _written, bytes);
        Interlocked.Add(ref _onDisk, bytes);
        if (notify)
            NotifyWritten();
    }

    internal void NotifyWritten() => WrittenBytesChanged?.Invoke();

    internal void OnSegmentClosed(string path, long bytes, long lastSeq) => _closed.Enqueue(new ClosedSegment(path, bytes, lastSeq));

    /// <summary>Hands over a segment found at recovery (its entries are replayed or in the checkpoint).</summary>
    public void AdoptRecovered(string path, long bytes, long lastSeq)
    {
        Interlocked.Add(ref _onDisk, bytes);
        _closed.Enqueue(new ClosedSegment(path, bytes, lastSeq));
    }

    /// <summary>Deletes the closed segments whose every entry is numbered at or below <paramref name="seq"/>
    /// (checkpoint thread). Returns how many were deleted.</summary>
    public int TruncateThrough(long seq)
    {
        int deleted = 0;
        int count = _closed.Count;
        for (int i = 0; i < count && _closed.TryDequeue(out ClosedSegment segment); i++)
        {
            if (segment.LastSeq > seq)
            {
                _closed.Enqueue(segment);
                continue;
            }
            try
            {
                if (!TryRecycle(segment.Path))
                    File.Delete(segment.Path);
                Interlocked.Add(ref _onDisk, -segment.Bytes);
                deleted++;
            }
            catch (IOException e)
            {
                _log($"location store: cannot delete WAL segment {segment.Path}: {e.Message}");
            }
        }
        return deleted;
    }

    /// <summary>Most spare segments kept: recycled ones beyond this are deleted.</summary>
    private const int MaxSpares = 8;

    private long _sparesRecycled;

    /// <summary>Segments that became spares when a checkpoint covered them, instead of being deleted.</summary>
    public long SparesRecycled => Volatile.Read(ref _sparesRecycled);

    /// <summary>
    /// A segment a checkpoint covers becomes a spare instead of being deleted, when it is full size (one that started
    /// as a spare) and fewer than <see cref="MaxSpares"/> are ready (a checkpoint that starts late, behind a storm, covers more than the 4 segments its WAL-size trigger stands for): its blocks are allocated and written, so a writer
    /// that opens it overwrites them without a zero fill — no bytes written twice. Its old frames stay behind the
    /// new ones; recovery stops at the first frame not numbered above the one before it (<see cref="WalRecovery"/>),
    /// and every old frame is numbered below the cookie of the checkpoint that covered it, so none is replayed.
    /// </summary>
    private bool TryRecycle(string path)
    {
        if (!_preallocate || _closing || _spares.Count >= MaxSpares)
            return false;
        if (new FileInfo(path).Length < PreallocateBytes)
            return false; // a writer's first segment (a new file): it would grow again
        string spare = Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture,
            $"{_generation:D6}-{Interlocked.Increment(ref _spareNumber):D6}{SpareSuffix}"));
        File.Move(path, spare);
        Libc.SyncDirectory(Directory);
        _spares.Enqueue(spare);
        Interlocked.Increment(ref _sparesRecycled);
        // It answers a writer's request for a spare: the zero fill of one more is not needed.
        int wanted = Volatile.Read(ref _sparesWanted);
        while (wanted > 0)
        {
            int seen = Interlocked.CompareExchange(ref _sparesWanted, wanted - 1, wanted);
            if (seen == wanted)
                break;
            wanted = seen;
        }
        return true;
    }

    internal void ReportFailure(WalWriter writer, Exception e)
    {
        if (Interlocked.Increment(ref _failures) <= 10)
            _log($"location store: WAL writer {writer.Index} failed, its changes will not be acknowledged: {e.Message}");
    }

    private long _checkpointMark; // checkpoints ended * 2, + 1 while one runs

    /// <summary>The checkpoint thread starts writing a checkpoint.</summary>
    public void CheckpointStarted() => Interlocked.Increment(ref _checkpointMark);

    /// <summary>...and is done with it.</summary>
    public void CheckpointEnded() => Interlocked.Increment(ref _checkpointMark);

    /// <summary>Read at the start and the end of a sync: it overlapped a checkpoint when either is odd (one
    /// running) or they differ (one ran in between).</summary>
    public long CheckpointMark => Volatile.Read(ref _checkpointMark);

    private long _preallocationMark; // zero fills ended * 2, + 1 while one runs

    /// <summary>
    /// The hybrid log's flushes, as a mark (<see cref="Overlapped"/>): the store sets it to read FASTER's flushed-until
    /// address (times 2, + 1 while it is behind the read-only address: pages handed to the device and not yet
    /// written). A WAL sync that overlapped such a flush, outside a checkpoint, waited behind hybrid-log pages that
    /// the log's own memory pressure sent to the disk.
    /// </summary>
    public Func<long>? LogFlushMarkSource { get; set; }

    /// <summary>Read at the start and the end of a sync, as <see cref="CheckpointMark"/>, for hybrid-log page flushes.</summary>
    public long LogFlushMark => LogFlushMarkSource?.Invoke() ?? 0;

    /// <summary>Sums the writers' latencies of the flushes that overlapped a hybrid-log page flush (outside a checkpoint).</summary>
    public LatencyHistogram CommitLatencyDuringLogFlush() => Sum(static w => w.CommitLatencyDuringLogFlush);

    /// <summary>Read at the start and the end of a sync, as <see cref="CheckpointMark"/>, for the zero fill of a spare segment.</summary>
    public long PreallocationMark => Volatile.Read(ref _preallocationMark);

    /// <summary>Two readings of a mark (<see cref="CheckpointMark"/>, <see cref="PreallocationMark"/>) taken at a sync's start and
    /// end: the sync overlapped what the mark counts when either is odd (one running) or they differ (one ran in between).</summary>
    public static bool Overlapped(long atStart, long atEnd) => ((atStart | atEnd) & 1) != 0 || atStart != atEnd;

    /// <summary>Sums the writers' latencies of the flushes that overlapped a checkpoint.</summary>
    public LatencyHistogram CommitLatencyDuringCheckpoint() => Sum(static w => w.CommitLatencyDuringCheckpoint);

    /// <summary>Sums the writers' latencies of the flushes that overlapped the zero fill of a spare segment.</summary>
    public LatencyHistogram CommitLatencyDuringPreallocation() => Sum(static w => w.CommitLatencyDuringPreallocation);

    /// <summary>Sums the writers' latencies of the flushes that overlapped no checkpoint, zero fill or hybrid-log flush.</summary>
    public LatencyHistogram CommitLatencyQuiet() => Sum(static w => w.CommitLatencyQuiet);

    /// <summary>Sums the <c>pwrite</c> parts of the writers' flushes.</summary>
    public LatencyHistogram WriteLatency() => Sum(static w => w.WriteLatency);

    /// <summary>Sums the <c>fdatasync</c> parts of the writers' flushes.</summary>
    public LatencyHistogram SyncLatency() => Sum(static w => w.SyncLatency);

    private LatencyHistogram Sum(Func<WalWriter, LatencyHistogram> of)
    {
        var sum = new LatencyHistogram();
        foreach (WalWriter writer in Volatile.Read(ref _writers))
            of(writer).AddTo(sum);
        return sum;
    }

    /// <summary>Sums the writers' flush latencies.</summary>
    public LatencyHistogram CommitLatency()
    {
        var sum = new LatencyHistogram();
        foreach (WalWriter writer in Volatile.Read(ref _writers))
            writer.CommitLatency.AddTo(sum);
        return sum;
    }

    public (long Commits, long LastTicks, long MaxTicks) CommitCounts()
    {
        long commits = 0;
        long last = 0;
        long max = 0;
        foreach (WalWriter writer in Volatile.Read(ref _writers))
        {
            commits += writer.Commits;
            last = Math.Max(last, writer.LastCommitTicks);
            max = Math.Max(max, writer.MaxCommitTicks);
        }
        return (commits, last, max);
    }

    /// <summary>Closes every writer; without <paramref name="flush"/> this is what a crash leaves behind.</summary>
    public void Close(bool flush)
    {
        _closing = true;
        _spareWake.Set();
        Thread? preallocator;
        lock (_writersLock)
            preallocator = _preallocator;
        preallocator?.Join(TimeSpan.FromSeconds(10));
        foreach (WalWriter writer in Volatile.Read(ref _writers))
            writer.Close(flush);
        while (_spares.TryDequeue(out string? spare))
        {
            try
            {
                File.Delete(spare);
            }
            catch (IOException)
            {
            }
        }
    }

    private readonly record struct ClosedSegment(string Path, long Bytes, long LastSeq);
}
