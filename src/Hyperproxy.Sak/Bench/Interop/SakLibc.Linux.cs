using System.Runtime.InteropServices;

namespace Hyperproxy.Sak.Bench.Interop;

/// <summary>The libc calls of the bench's connected-socket sender (recvmmsg/sendmmsg without addresses).</summary>
internal static unsafe partial class SakLibc
{
    public const int MsgDontWait = 0x40;
    public const short PollIn = 0x001;
    public const short PollOut = 0x004;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ECONNREFUSED = 111;

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MmsgEntry* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MmsgEntry* messages, uint count, int flags);

    /// <summary>poll() on one descriptor: fd, events, revents packed as struct pollfd.</summary>
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(long* pollFd, nuint count, int timeoutMs);

    /// <summary>A struct pollfd for one descriptor (int fd; short events; short revents).</summary>
    public static long PollFd(int fd, short events) => (uint)fd | ((long)(ushort)events << 32);
}
