using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Hyperproxy.Location.Redis.Resp;

/// <summary>
/// The few socket calls the worker's own RESP connection makes, straight to libc on a raw descriptor: a non-blocking
/// TCP socket (connect, send, recv never wait and never throw), and an epoll instance whose one descriptor stands for
/// all of a session's connections in the worker's poll set (it becomes readable when one of them is). Linux only; the
/// store does not use its own client elsewhere.
/// </summary>
internal static unsafe partial class RespSockets
{
    public const int Eagain = 11;
    public const int Eintr = 4;
    public const int Einprogress = 115;

    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const int EpollCtlMod = 3;
    private const int EpollCloexec = 0x80000;

    private const int SockStream = 1;
    private const int SockNonblock = 0x800;
    private const int SockCloexec = 0x80000;
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;
    private const int SolSocket = 1;
    private const int SoError = 4;
    private const int IpProtoTcp = 6;
    private const int TcpNoDelay = 1;
    private const short PollOut = 0x004;

    public static bool Supported => OperatingSystem.IsLinux();

    /// <summary>The <c>sockaddr</c> of <paramref name="endPoint"/> (IPv4 or IPv6), as connect takes it.</summary>
    public static byte[] SockAddr(IPEndPoint endPoint)
    {
        byte[] address = endPoint.Address.GetAddressBytes();
        if (endPoint.AddressFamily == AddressFamily.InterNetwork)
        {
            var sa = new byte[16];
            sa[0] = 2; // AF_INET, little-endian sa_family_t
            sa[2] = (byte)(endPoint.Port >> 8);
            sa[3] = (byte)endPoint.Port;
            address.CopyTo(sa, 4);
            return sa;
        }

        var sa6 = new byte[28];
        sa6[0] = 10; // AF_INET6
        sa6[2] = (byte)(endPoint.Port >> 8);
        sa6[3] = (byte)endPoint.Port;
        address.CopyTo(sa6, 8);
        uint scope = (uint)endPoint.Address.ScopeId;
        sa6[24] = (byte)scope;
        sa6[25] = (byte)(scope >> 8);
        sa6[26] = (byte)(scope >> 16);
        sa6[27] = (byte)(scope >> 24);
        return sa6;
    }

    /// <summary>
    /// A non-blocking TCP socket (Nagle off) whose connect to <paramref name="sockAddr"/> has started: the descriptor
    /// and whether it is connected already (on loopback it often is); -1 and the errno when it failed at once.
    /// </summary>
    public static int StartConnect(byte[] sockAddr, out bool connected, out int errno)
    {
        connected = false;
        errno = 0;
        int family = sockAddr[0] == 2 ? 2 : 10;
        int fd = Socket(family, SockStream | SockNonblock | SockCloexec, 0);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return -1;
        }

        int one = 1;
        _ = SetSockOpt(fd, IpProtoTcp, TcpNoDelay, &one, sizeof(int));
        int result;
        fixed (byte* sa = sockAddr)
        {
            result = Connect(fd, sa, sockAddr.Length);
        }

        if (result == 0)
        {
            connected = true;
            return fd;
        }

        errno = Marshal.GetLastPInvokeError();
        if (errno == Einprogress || errno == Eintr)
        {
            errno = 0;
            return fd;
        }

        _ = Close(fd);
        return -1;
    }

    /// <summary>For a connect in progress: 1 connected, 0 still connecting, -1 failed (<paramref name="errno"/> says why).</summary>
    public static int ConnectState(int fd, out int errno)
    {
        errno = 0;
        PollFd p = new() { Fd = fd, Events = PollOut };
        int ready = Poll(&p, 1, 0);
        if (ready == 0)
        {
            return 0;
        }

        int error = 0;
        int length = sizeof(int);
        if (GetSockOpt(fd, SolSocket, SoError, &error, &length) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return -1;
        }

        if (error != 0)
        {
            errno = error;
            return -1;
        }

        return (p.Revents & PollOut) != 0 ? 1 : 0;
    }

    /// <summary>Bytes sent, or -1 with <paramref name="errno"/> (<see cref="Eagain"/>: the socket's buffer is full).</summary>
    public static int Send(int fd, ReadOnlySpan<byte> data, out int errno)
    {
        errno = 0;
        while (true)
        {
            nint sent;
            fixed (byte* p = data)
            {
                sent = SendRaw(fd, p, (nuint)data.Length, MsgDontWait | MsgNoSignal);
            }

            if (sent >= 0)
            {
                return (int)sent;
            }

            errno = Marshal.GetLastPInvokeError();
            if (errno != Eintr)
            {
                return -1;
            }
        }
    }

    /// <summary>Bytes received (0: the peer closed), or -1 with <paramref name="errno"/> (<see cref="Eagain"/>: nothing more now).</summary>
    public static int Receive(int fd, Span<byte> buffer, out int errno)
    {
        errno = 0;
        while (true)
        {
            nint received;
            fixed (byte* p = buffer)
            {
                received = Recv(fd, p, (nuint)buffer.Length, MsgDontWait);
            }

            if (received >= 0)
            {
                return (int)received;
            }

            errno = Marshal.GetLastPInvokeError();
            if (errno != Eintr)
            {
                return -1;
            }
        }
    }

    public static void CloseDescriptor(int fd) => _ = Close(fd);

    /// <summary>A new epoll instance (close-on-exec), or -1.</summary>
    public static int NewEpoll() => EpollCreate1(EpollCloexec);

    /// <summary>Adds <paramref name="fd"/> to <paramref name="epoll"/> (level-triggered) for <paramref name="events"/>.</summary>
    public static bool Watch(int epoll, int fd, uint events) => EpollControl(epoll, EpollCtlAdd, fd, events);

    /// <summary>Changes what <paramref name="fd"/> is watched for.</summary>
    public static bool Rewatch(int epoll, int fd, uint events) => EpollControl(epoll, EpollCtlMod, fd, events);

    public static void Unwatch(int epoll, int fd) => EpollControl(epoll, EpollCtlDel, fd, 0);

    private static bool EpollControl(int epoll, int op, int fd, uint events)
    {
        // struct epoll_event is { u32 events; u64 data } (packed on x86-64, padded on arm64): 16 zeroed bytes with the
        // events first suit both, and the data is not used (the owner looks at all its connections when woken).
        byte* e = stackalloc byte[16];
        new Span<byte>(e, 16).Clear();
        *(uint*)e = events;
        return EpollCtl(epoll, op, fd, e) == 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static partial int Connect(int fd, byte* address, int length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int GetSockOpt(int fd, int level, int name, void* value, int* length);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendRaw(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epoll, int op, int fd, byte* e);
}
