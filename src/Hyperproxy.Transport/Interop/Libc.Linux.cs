using System.Runtime.InteropServices;

namespace Hyperproxy.Transport.Interop;

/// <summary>
/// The Linux libc calls the transport makes: source-generated, blittable, no marshalling.
/// Callers read errno with <see cref="Marshal.GetLastPInvokeError"/> and map it through <see cref="Errno"/>.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    public const int MsgDontWait = 0x40;
    public const int MsgTrunc = 0x20;
    public const int MsgNoSignal = 0x4000;
    public const short PollIn = 0x001;
    public const short PollOut = 0x004;

    public const int SolSocket = 1;
    public const int SoReusePort = 15;
    public const int SoSndBufForce = 32;
    public const int SoRcvBufForce = 33;

    /// <summary>SO_MEMINFO (Linux 4.6+): the socket's memory counters, u32[SK_MEMINFO_VARS]; [0] the receive queue's bytes, [1] SO_RCVBUF.</summary>
    public const int SoMemInfo = 55;
    public const int SkMemInfoVars = 9;

    /// <summary>SO_MEMINFO's [8]: datagrams the kernel dropped for this socket (a full buffer, a socket filter).</summary>
    public const int SkMemInfoDrops = 8;

    /// <summary>SO_ATTACH_FILTER / SO_DETACH_FILTER: a classic BPF program run on every datagram before it is queued.</summary>
    public const int SoAttachFilter = 26;
    public const int SoDetachFilter = 27;

    public const int EfdNonBlock = 0x800;
    public const int EfdCloexec = 0x80000;

    /// <summary>cpu_set_t is 1024 bits.</summary>
    public const int CpuSetBytes = 128;

    [LibraryImport(Library, EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(Library, EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(Library, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, void* buffer, nuint count, int flags);

    [LibraryImport(Library, EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport(Library, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "sched_setaffinity", SetLastError = true)]
    public static partial int SchedSetAffinity(int pid, nuint size, byte* mask);

    [LibraryImport(Library, EntryPoint = "sched_getaffinity", SetLastError = true)]
    public static partial int SchedGetAffinity(int pid, nuint size, byte* mask);
}
