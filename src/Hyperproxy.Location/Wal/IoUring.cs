using System.Runtime.InteropServices;

namespace Hyperproxy.Location.Wal;

/// <summary>
/// A minimal Linux io_uring (no liburing, no package): one ring, <c>IORING_OP_FSYNC</c> with
/// <c>IORING_FSYNC_DATASYNC</c> submissions and completions read straight from the shared rings. The
/// ring's file descriptor is readable while completions wait, so a worker puts it in its <c>poll</c> set
/// next to its sockets and is woken by the kernel the moment a sync finishes — no thread of ours, no
/// hand-off. Single consumer and single submitter: the thread that owns the ring (a worker) both submits and
/// reaps; nothing here allocates after construction.
/// </summary>
internal sealed unsafe partial class IoUring : IDisposable
{
    private const int SysIoUringSetup = 425;
    private const int SysIoUringEnter = 426;
    private const int SysIoUringRegister = 427;
    private const uint RegisterIowqAff = 17; // IORING_REGISTER_IOWQ_AFF, Linux 5.14
    private const int CpuSetBytes = 128; // cpu_set_t: 1024 CPUs
    private const long OffSqRing = 0;
    private const long OffCqRing = 0x8000000;
    private const long OffSqes = 0x10000000;
    private const uint FeatSingleMmap = 1;
    private const byte OpFsync = 3;
    private const uint FsyncDatasync = 1;
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapShared = 1;
    private const int MapPopulate = 0x8000;
    private const int Eintr = 4;

    private readonly int _fd;
    private readonly byte* _sqRing;
    private readonly nuint _sqRingSize;
    private readonly byte* _cqRing;
    private readonly nuint _cqRingSize;
    private readonly byte* _sqes;
    private readonly nuint _sqesSize;
    private readonly uint* _sqTail;
    private readonly uint _sqMask;
    private readonly uint* _sqArray;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly byte* _cqes;
    private uint _sqTailLocal;
    private bool _disposed;

    private IoUring(int fd, in Params p)
    {
        _fd = fd;
        _sqRingSize = p.SqOff.Array + p.SqEntries * sizeof(uint);
        _cqRingSize = p.CqOff.Cqes + p.CqEntries * 16;
        bool single = (p.Features & FeatSingleMmap) != 0;
        if (single)
        {
            _sqRingSize = _cqRingSize = Math.Max(_sqRingSize, _cqRingSize);
        }
        _sqRing = Map(_sqRingSize, OffSqRing);
        _cqRing = single ? _sqRing : Map(_cqRingSize, OffCqRing);
        _sqesSize = p.SqEntries * 64u;
        _sqes = Map(_sqesSize, OffSqes);
        _sqTail = (uint*)(_sqRing + p.SqOff.Tail);
        _sqMask = *(uint*)(_sqRing + p.SqOff.RingMask);
        _sqArray = (uint*)(_sqRing + p.SqOff.Array);
        _cqHead = (uint*)(_cqRing + p.CqOff.Head);
        _cqTail = (uint*)(_cqRing + p.CqOff.Tail);
        _cqMask = *(uint*)(_cqRing + p.CqOff.RingMask);
        _cqes = _cqRing + p.CqOff.Cqes;
        _sqTailLocal = *_sqTail;
        Entries = (int)p.SqEntries;
    }

    /// <summary>The ring's file descriptor: readable (<c>POLLIN</c>) while completions wait.</summary>
    public int Fd => _fd;

    /// <summary>Submission queue size.</summary>
    public int Entries { get; }

    /// <summary>Why <see cref="TryCreate"/> last failed (start-up log), or null.</summary>
    public static string? LastError { get; internal set; }

    /// <summary>A ring of <paramref name="entries"/> slots, or null where io_uring is not available (not Linux,
    /// an old kernel, a seccomp filter or <c>kernel.io_uring_disabled</c>): the caller then syncs inline.</summary>
    public static IoUring? TryCreate(uint entries)
    {
        if (!OperatingSystem.IsLinux() || !(RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64))
        {
            LastError = "io_uring needs Linux on x64 or arm64";
            return null;
        }
        // arm64 uses the same (generic) syscall numbers for io_uring as x64.
        Params p = default;
        long fd = Syscall(SysIoUringSetup, entries, (long)(&p), 0, 0, 0, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            LastError = $"io_uring_setup failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
            return null;
        }
        try
        {
            return new IoUring((int)fd, p);
        }
        catch (IOException e)
        {
            LastError = e.Message;
            _ = Close((int)fd);
            return null;
        }
    }

    /// <summary>
    /// Keeps the kernel's io-wq threads of the calling thread (they run this ring's <c>fdatasync</c>s) off the CPUs
    /// the calling thread is pinned to: they run on the process's other CPUs (<c>IORING_REGISTER_IOWQ_AFF</c>). Without
    /// it they inherit the thread's mask, so a worker pinned with <c>--cpus</c> would queue its own syncs behind
    /// itself. Nothing to do for a thread that may run wherever the process may. Call it on the thread that submits,
    /// which created the ring (the kernel keeps io-wq threads per submitting thread). Null when done (or not needed),
    /// else why not: no CPU left for them, or a kernel older than 5.14.
    /// </summary>
    public string? KeepSyncThreadsOffCallingThreadCpus()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        byte* process = stackalloc byte[CpuSetBytes];
        byte* thread = stackalloc byte[CpuSetBytes];
        new Span<byte>(process, CpuSetBytes).Clear();
        new Span<byte>(thread, CpuSetBytes).Clear();
        // The main thread's mask (the process's, unless the whole process is pinned) and this thread's.
        if (SchedGetAffinity(Environment.ProcessId, CpuSetBytes, process) != 0 || SchedGetAffinity(0, CpuSetBytes, thread) != 0)
            return "sched_getaffinity failed (errno " + Marshal.GetLastPInvokeError() + ")";
        bool pinned = false;
        bool other = false;
        for (int i = 0; i < CpuSetBytes; i++)
        {
            pinned |= (process[i] & ~thread[i]) != 0;
            process[i] = (byte)(process[i] & ~thread[i]);
            other |= process[i] != 0;
        }
        if (!pinned)
            return null;
        if (!other)
            return "no CPU left for io_uring's sync threads besides the worker's";
        long result = Syscall(SysIoUringRegister, _fd, RegisterIowqAff, (long)process, CpuSetBytes, 0, 0);
        if (result < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return $"IORING_REGISTER_IOWQ_AFF failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
        }
        return null;
    }

    /// <summary>Queues and submits one <c>fdatasync</c> of <paramref name="fileFd"/>; its completion carries
    /// <paramref name="userData"/>. False when the kernel refused it (the caller syncs inline instead).</summary>
    public bool SubmitDataSync(int fileFd, ulong userData)
    {
        uint tail = _sqTailLocal;
        uint index = tail & _sqMask;
        byte* sqe = _sqes + index * 64;
        new Span<byte>(sqe, 64).Clear();
        sqe[0] = OpFsync;
        // IOSQE_IO_DRAIN: starts only once everything submitted before it has completed, so the syncs of one
        // ring run one after the other, in order, and each sees the write-back errors that happened before it.
        sqe[1] = 2;
        *(int*)(sqe + 4) = fileFd;
        *(uint*)(sqe + 28) = FsyncDatasync;
        *(ulong*)(sqe + 32) = userData;
        _sqArray[index] = index;
        _sqTailLocal = tail + 1;
        Volatile.Write(ref *_sqTail, tail + 1);
        while (true)
        {
            long submitted = Syscall(SysIoUringEnter, _fd, 1, 0, 0, 0, 0);
            if (submitted == 1)
                return true;
            int errno = Marshal.GetLastPInvokeError();
            if (submitted < 0 && errno == Eintr)
                continue;
            // Not consumed: take the entry back so the ring stays consistent.
            if (submitted <= 0)
            {
                _sqTailLocal = tail;
                Volatile.Write(ref *_sqTail, tail);
            }
            return false;
        }
    }

    /// <summary>Hands every waiting completion to <paramref name="handler"/>; returns how many.</summary>
    public int Reap<THandler>(ref THandler handler) where THandler : struct, ICompletionHandler, allows ref struct
    {
        uint head = *_cqHead;
        uint tail = Volatile.Read(ref *_cqTail);
        int count = 0;
        while (head != tail)
        {
            byte* cqe = _cqes + (head & _cqMask) * 16;
            ulong userData = *(ulong*)cqe;
            int result = *(int*)(cqe + 8);
            head++;
            count++;
            handler.Completed(userData, result);
        }
        if (count > 0)
            Volatile.Write(ref *_cqHead, head);
        return count;
    }

    /// <summary>Waits (in the kernel) for at least one completion; tests and shutdown only.</summary>
    public void WaitOne()
    {
        const uint GetEvents = 1;
        while (Syscall(SysIoUringEnter, _fd, 0, 1, GetEvents, 0, 0) < 0 && Marshal.GetLastPInvokeError() == Eintr)
        {
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _ = Munmap(_sqes, _sqesSize);
        if (_cqRing != _sqRing)
            _ = Munmap(_cqRing, _cqRingSize);
        _ = Munmap(_sqRing, _sqRingSize);
        _ = Close(_fd); // the kernel completes or cancels what is still in flight
    }

    private byte* Map(nuint size, long offset)
    {
        nint address = Mmap(0, size, ProtRead | ProtWrite, MapShared | MapPopulate, _fd, offset);
        if (address == -1)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"mmap of the io_uring rings failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
        return (byte*)address;
    }

    public interface ICompletionHandler
    {
        void Completed(ulong userData, int result);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SqRingOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1;
        public ulong UserAddr;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CqRingOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Resv1;
        public ulong UserAddr;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Params
    {
        public uint SqEntries, CqEntries, Flags, SqThreadCpu, SqThreadIdle, Features, WqFd;
        public uint Resv0, Resv1, Resv2;
        public SqRingOffsets SqOff;
        public CqRingOffsets CqOff;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nuint size, byte* mask);
}
