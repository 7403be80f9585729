using System.Diagnostics;
using System.Numerics;
using Hyperproxy.Location.Wal;
using FASTER.core;

namespace Hyperproxy.Location.Faster;

/// <summary>
/// The embedded location store: a <c>FasterKV&lt;SpanByte, SpanByte&gt;</c> (AoR bytes to record), one
/// <see cref="FasterLocationSession"/> per worker, a WAL (<see cref="Durability.Sync"/>), periodic
/// fold-over checkpoints and a background thread that purges expired bindings and compacts the log.
/// Data directory layout: <c>kv/</c> (hybrid log), <c>checkpoints/</c>, <c>wal/</c>.
/// </summary>
public sealed partial class FasterLocationStore : ILocationStore
{
    private readonly LocationStoreOptions _options;
    private readonly string _dataDirectory;
    private readonly bool _ownsDataDirectory;
    private readonly FileStream? _directoryLock;
    private readonly IDevice _logDevice;
    private readonly FasterKV<SpanByte, SpanByte> _kv;
    private readonly object _sessionsLock = new();
    private LocationFunctions[] _liveFunctions = [];
    private long _retiredAorDelta;
    private long _retiredContactDelta;
    private long _baseAors;
    private long _baseContacts;
    private bool _disposed;

    public FasterLocationStore(LocationStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.CheckpointWalBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.CheckpointWalBytes, "CheckpointWalBytes is 0 (off) or a positive number of bytes");
        _options = options;
        if (options.DataDirectory is null)
        {
            if (options.Durability != Durability.None)
                throw new ArgumentException("A data directory is required for durability " + options.Durability, nameof(options));
            _dataDirectory = Path.Combine(Path.GetTempPath(), "hyperproxy-location-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N"));
            _ownsDataDirectory = true;
        }
        else
        {
            _dataDirectory = options.DataDirectory;
            _directoryLock = LockDirectory(_dataDirectory);
        }
        try
        {
            string kvDirectory = Path.Combine(_dataDirectory, "kv");
            if (options.Durability == Durability.None && Directory.Exists(kvDirectory))
                Directory.Delete(kvDirectory, recursive: true);
            Directory.CreateDirectory(kvDirectory);

            (int memoryBits, int pageBits, int segmentBits, long buckets) = Sizing(options);
            _logDevice = Devices.CreateLogDevice(Path.Combine(kvDirectory, "hlog.log"), deleteOnClose: options.Durability == Durability.None);
            var logSettings = new LogSettings
            {
                LogDevice = _logDevice,
                PageSizeBits = pageBits,
                MemorySizeBits = memoryBits,
                SegmentSizeBits = segmentBits,
                MutableFraction = 0.9,
            };
            CheckpointSettings? checkpointSettings = null;
            if (options.Durability != Durability.None)
            {
                string checkpointDirectory = Path.Combine(_dataDirectory, "checkpoints");
                Directory.CreateDirectory(checkpointDirectory);
                checkpointSettings = new CheckpointSettings { CheckpointDir = checkpointDirectory, RemoveOutdated = true };
            }
            var started = Stopwatch.StartNew();
            long? sealedTail = options.Durability == Durability.None ? null : ReadSeal(_dataDirectory);
            CheckSealedLog(_dataDirectory, sealedTail);
            _kv = new FasterKV<SpanByte, SpanByte>(buckets, logSettings, checkpointSettings,
                tryRecoverLatest: options.Durability != Durability.None);
            CheckRecoveredSeal(sealedTail);
            if (options.Durability == Durability.Sync)
                OpenWal();
            // The maintenance session logs to the WAL like a worker's: a purge is then as durable as a save (a
            // purge missing from the WAL would bring expired bindings back on replay). WAL replay and compaction
            // write through Upsert/Delete/copy-to-tail, which do not log.
            _maintenanceFunctions = new LocationFunctions(options.MaxRecordBytes, NewWalWriter());
            _maintenanceSession = new FasterLocationSession(this, _kv, _maintenanceFunctions);
            Recovery = Recover(started);
        }
        catch (Exception e)
        {
            _kv?.Dispose();
            _logDevice?.Dispose();
            _directoryLock?.Dispose();
            if (e is IOException or UnauthorizedAccessException or ArgumentException)
                throw;
            // FASTER's recovery met files it cannot read: say so, and what the operator can do, rather than a stack.
            throw new InvalidDataException($"recovery from {_dataDirectory} failed ({e.GetType().Name}: {e.Message}); the checkpoint "
                + "or log there is damaged: restore the folder from a backup, or move it aside to start with an empty table", e);
        }
        StartThreads();
    }

    public Durability Durability => _options.Durability;

    /// <summary>The settings this store was opened with.</summary>
    public LocationStoreOptions Options => _options;

    public RecoveryReport Recovery { get; }

    /// <summary>Bytes of the hybrid log between its begin and tail (live data plus stale versions).</summary>
    public long LogBytes => _kv.Log.TailAddress - _kv.Log.BeginAddress;

    public ILocationSession NewSession() => NewFasterSession();

    /// <summary>A concrete session (no interface dispatch for generic <c>Update</c>).</summary>
    public FasterLocationSession NewFasterSession()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var functions = new LocationFunctions(_options.MaxRecordBytes, NewWalWriter());
        var session = new FasterLocationSession(this, _kv, functions);
        lock (_sessionsLock)
        {
            var grown = new LocationFunctions[_liveFunctions.Length + 1];
            _liveFunctions.CopyTo(grown, 0);
            grown[^1] = functions;
            _liveFunctions = grown;
        }
        return session;
    }

    internal void Retire(FasterLocationSession session)
    {
        lock (_sessionsLock)
        {
            LocationFunctions functions = session.Functions;
            int index = Array.IndexOf(_liveFunctions, functions);
            if (index < 0)
                return;
            _retiredAorDelta += functions.AorDelta;
            _retiredContactDelta += functions.ContactDelta;
            var shrunk = new LocationFunctions[_liveFunctions.Length - 1];
            Array.Copy(_liveFunctions, 0, shrunk, 0, index);
            Array.Copy(_liveFunctions, index + 1, shrunk, index, _liveFunctions.Length - index - 1);
            _liveFunctions = shrunk;
        }
    }

    public LocationStats GetStats()
    {
        (long commits, long lastCommit, long maxCommit) = _wal?.CommitCounts() ?? default;
        LatencyHistogram? latency = _wal?.CommitLatency();
        LatencyHistogram? duringCheckpoint = _wal?.CommitLatencyDuringCheckpoint();
        LatencyHistogram? duringPreallocation = _wal?.CommitLatencyDuringPreallocation();
        LatencyHistogram? duringLogFlush = _wal?.CommitLatencyDuringLogFlush();
        (long preallocated, long notPreallocated) = _wal?.SpareCounts ?? (0, 0);
        long aors = _baseAors + _maintenanceFunctions.AorDelta;
        long contacts = _baseContacts + _maintenanceFunctions.ContactDelta;
        lock (_sessionsLock)
        {
            aors += _retiredAorDelta;
            contacts += _retiredContactDelta;
            foreach (LocationFunctions f in _liveFunctions)
            {
                aors += Volatile.Read(ref f.AorDelta);
                contacts += Volatile.Read(ref f.ContactDelta);
            }
        }
        return new LocationStats
        {
            Aors = aors,
            Contacts = contacts,
            PurgePasses = Volatile.Read(ref _purgePasses),
            PurgedContacts = Volatile.Read(ref _purgedContacts),
            PurgedAors = Volatile.Read(ref _purgedAors),
            LastPurgeDuration = TimeSpan.FromTicks(Volatile.Read(ref _lastPurgeTicks)),
            Checkpoints = Volatile.Read(ref _checkpoints),
            WalTriggeredCheckpoints = Volatile.Read(ref _walTriggeredCheckpoints),
            LastCheckpointDuration = TimeSpan.FromTicks(Volatile.Read(ref _lastCheckpointTicks)),
            MaxCheckpointDuration = TimeSpan.FromTicks(Volatile.Read(ref _maxCheckpointTicks)),
            Compactions = Volatile.Read(ref _compactions),
            LastCompactionDuration = TimeSpan.FromTicks(Volatile.Read(ref _lastCompactionTicks)),
            WalCommits = commits,
            LastWalCommitDuration = Stopwatch.GetElapsedTime(0, lastCommit),
            MaxWalCommitDuration = Stopwatch.GetElapsedTime(0, maxCommit),
            WalCommitP50 = TimeSpan.FromMicroseconds(latency?.Percentile(50) ?? 0),
            WalCommitP99 = TimeSpan.FromMicroseconds(latency?.Percentile(99) ?? 0),
            WalCommitP999 = TimeSpan.FromMicroseconds(latency?.Percentile(99.9) ?? 0),
            WalCommitsDuringCheckpoint = duringCheckpoint?.Count ?? 0,
            WalCommitP99DuringCheckpoint = TimeSpan.FromMicroseconds(duringCheckpoint?.Percentile(99) ?? 0),
            WalCommitsDuringPreallocation = duringPreallocation?.Count ?? 0,
            WalCommitP99DuringPreallocation = TimeSpan.FromMicroseconds(duringPreallocation?.Percentile(99) ?? 0),
            WalCommitsDuringLogFlush = duringLogFlush?.Count ?? 0,
            WalCommitP99DuringLogFlush = TimeSpan.FromMicroseconds(duringLogFlush?.Percentile(99) ?? 0),
            WalCommitP99Quiet = TimeSpan.FromMicroseconds(_wal?.CommitLatencyQuiet().Percentile(99) ?? 0),
            WalWriteP99 = TimeSpan.FromMicroseconds(_wal?.WriteLatency().Percentile(99) ?? 0),
            WalSyncP99 = TimeSpan.FromMicroseconds(_wal?.SyncLatency().Percentile(99) ?? 0),
            WalSegmentsPreallocated = preallocated,
            WalSegmentsNotPreallocated = notPreallocated,
            WalSegmentsRecycled = _wal?.SparesRecycled ?? 0,
            WalFailures = _wal?.Failures ?? 0,
            WalBytes = _wal?.BytesOnDisk ?? 0,
            WalBytesSinceCheckpoint = WalSinceCheckpoint,
            LogBytes = LogBytes,
            LogMemoryBytes = _kv.Log.MemorySizeBytes,
        };
    }

    /// <summary>Stops the background threads, takes a final checkpoint (durable modes) and closes the files.</summary>
    public void Dispose() => Close(finalCheckpoint: true);

    /// <summary>Closes the store; without the final checkpoint this is what a crash leaves behind
    /// (minus the page cache), which is what recovery tests use.</summary>
    public void Close(bool finalCheckpoint)
    {
        if (_disposed)
            return;
        _disposed = true;
        StopThreads();
        if (finalCheckpoint && _options.Durability != Durability.None)
        {
            _wal?.FlushAll();
            CheckpointNow();
        }
        // Without the final checkpoint, what the writers still buffer is lost, as in a crash.
        CloseWal(finalCheckpoint);
        _maintenanceSession.Dispose();
        _kv.Dispose();
        _logDevice.Dispose();
        _directoryLock?.Dispose();
        if (_ownsDataDirectory)
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A device file still being closed by the I/O threads; the OS temp cleaner gets it.
            }
        }
    }

    /// <summary>
    /// Holds <c>DIR/lock</c> exclusively (an advisory lock the kernel drops when the process dies, kill -9
    /// included) for as long as the store is open: a second server started on the same data folder is refused
    /// instead of writing the same log and checkpoints (which damaged both in the past).
    /// </summary>
    private static FileStream LockDirectory(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId + "\n"));
            stream.Flush();
            return stream;
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new IOException($"{directory} is in use by another process ({path} is locked): is another hyperproxy "
                + "running on the same --data-dir?", e);
        }
    }

    /// <summary>Page and segment sizes are part of the on-disk format: they never depend on options,
    /// or a store reopened with other settings could not read its own log.</summary>
    internal const int PageSizeBits = 22;
    internal const int SegmentSizeBits = 26;

    // Index: about one bucket (8 slots) per 2 AoRs. Log memory: every AoR twice (live record plus a
    // rewritten version) so reads never go to disk; at least 16 pages. Pages are allocated on first use,
    // so memory that is never filled costs address space, not RSS.
    internal static (int MemoryBits, int PageBits, int SegmentBits, long Buckets) Sizing(LocationStoreOptions options)
    {
        long aors = Math.Max(1024, options.ExpectedAors);
        long buckets = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1024, aors / 2));
        long memory = aors * Math.Max(64, options.AverageRecordBytes) * 2;
        int memoryBits = Math.Clamp(64 - BitOperations.LeadingZeroCount((ulong)(memory - 1)), PageSizeBits + 4, 40);
        return (memoryBits, PageSizeBits, SegmentSizeBits, buckets);
    }
}
