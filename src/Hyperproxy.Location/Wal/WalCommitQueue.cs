using Microsoft.Win32.SafeHandles;

namespace Hyperproxy.Location.Wal;

/// <summary>
/// A worker's <see cref="ICommitQueue"/>: its own io_uring, on which the writers it serves (in practice the
/// worker's own session's) submit their pipelined <c>fdatasync</c>s; completions are routed back to the
/// writer by the number in their user data.
/// </summary>
internal sealed class WalCommitQueue : ICommitQueue
{
    private const int MaxWriters = 4;
    private const int NumberBits = 40;

    private readonly WalJournal _journal;
    private readonly IoUring _ring;
    private readonly WalWriter?[] _writers = new WalWriter?[MaxWriters];
    private int _writerCount;
    private int _inFlight;
    private bool _disposed;

    public WalCommitQueue(WalJournal journal, IoUring ring)
    {
        _journal = journal;
        _ring = ring;
    }

    public int WaitFd => _ring.Fd;

    public int InFlight => _inFlight;

    public bool HasUnstarted
    {
        get
        {
            for (int i = 0; i < _writerCount; i++)
            {
                if (_writers[i]!.HasBuffered)
                    return true;
            }
            return false;
        }
    }

    public void Track(CommitTicket ticket)
    {
        WalWriter? writer = _journal.WriterOf(ticket);
        if (writer is null)
            return;
        for (int i = 0; i < _writerCount; i++)
        {
            if (ReferenceEquals(_writers[i], writer))
                return;
        }
        if (_writerCount < MaxWriters)
            _writers[_writerCount++] = writer;
        // Beyond that (never in the server: a worker has one session) the reply waits for that writer's own
        // commits or an idle poll's synchronous commit.
    }

    public bool Start()
    {
        if (_disposed)
            return false;
        bool ok = true;
        for (int i = 0; i < _writerCount; i++)
            ok &= _writers[i]!.TryStart(this);
        return ok;
    }

    public int Complete()
    {
        if (_inFlight == 0 || _disposed)
            return 0;
        var handler = new Completions(_journal);
        int count = _ring.Reap(ref handler);
        _inFlight -= count;
        if (count > 0)
            Start();
        return count;
    }

    /// <summary>Waits until every sync submitted has finished (tests).</summary>
    internal void Drain()
    {
        for (int bound = 0; _inFlight > 0 && bound < 10_000; bound++)
        {
            if (Complete() == 0)
                _ring.WaitOne();
        }
    }

    /// <summary>Submits one fdatasync of <paramref name="file"/> for writer <paramref name="writer"/>'s sync
    /// number <paramref name="number"/>; false when the ring refused it.</summary>
    internal bool Submit(SafeFileHandle file, int writer, long number)
    {
        bool added = false;
        file.DangerousAddRef(ref added);
        try
        {
            ulong userData = ((ulong)(writer + 1) << NumberBits) | ((ulong)number & ((1UL << NumberBits) - 1));
            if (!_ring.SubmitDataSync((int)file.DangerousGetHandle(), userData))
                return false;
            _inFlight++;
            return true;
        }
        finally
        {
            if (added)
                file.DangerousRelease();
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _ring.Dispose();
    }

    private readonly struct Completions(WalJournal journal) : IoUring.ICompletionHandler
    {
        public void Completed(ulong userData, int result)
        {
            int writer = (int)(userData >> NumberBits) - 1;
            long number = (long)(userData & ((1UL << NumberBits) - 1));
            journal.WriterAt(writer)?.OnSyncCompleted(number, result);
        }
    }
}
