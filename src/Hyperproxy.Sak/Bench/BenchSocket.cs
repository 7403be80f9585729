using System.Net.Sockets;
using System.Runtime.InteropServices;
using Hyperproxy.Transport.Interop;

namespace Hyperproxy.Sak.Bench;

/// <summary>
/// The generator's socket: UDP, connected to the target, so sendmmsg carries no addresses (no
/// per-datagram sockaddr, and the kernel reuses the connected route) and recvmmsg takes only
/// the target's answers. Send slots stay filled between batches: the worker writes a template
/// into each slot once and afterwards only patches its digits. Native buffers, allocated once.
/// </summary>
public sealed unsafe class BenchSocket : IDisposable
{
    private const int SendWaitMs = 10;

    private readonly Socket _socket;
    private readonly int _fd;
    private readonly int _capacity;
    private readonly int _slotSize;
    private byte* _sendSlots;
    private byte* _receiveSlots;
    private MMsgHdr* _send;
    private MMsgHdr* _receive;
    private IoVec* _sendIov;
    private IoVec* _receiveIov;

    public BenchSocket(Socket connected, int capacity, int slotSize = 2048)
    {
        if (!OperatingSystem.IsLinux())
            throw new SakException("bench: the connected-socket generator needs Linux (recvmmsg/sendmmsg)");
        _socket = connected;
        _fd = (int)connected.SafeHandle.DangerousGetHandle();
        _capacity = capacity;
        _slotSize = slotSize;
        _sendSlots = (byte*)NativeMemory.AlignedAlloc((nuint)(capacity * slotSize), 64);
        _receiveSlots = (byte*)NativeMemory.AlignedAlloc((nuint)(capacity * slotSize), 64);
        _send = (MMsgHdr*)NativeMemory.AlignedAlloc((nuint)(capacity * sizeof(MMsgHdr)), 64);
        _receive = (MMsgHdr*)NativeMemory.AlignedAlloc((nuint)(capacity * sizeof(MMsgHdr)), 64);
        _sendIov = (IoVec*)NativeMemory.AlignedAlloc((nuint)(capacity * sizeof(IoVec)), 64);
        _receiveIov = (IoVec*)NativeMemory.AlignedAlloc((nuint)(capacity * sizeof(IoVec)), 64);
        NativeMemory.Clear(_send, (nuint)(capacity * sizeof(MMsgHdr)));
        NativeMemory.Clear(_receive, (nuint)(capacity * sizeof(MMsgHdr)));
        for (int i = 0; i < capacity; i++)
        {
            _sendIov[i].Base = _sendSlots + i * slotSize;
            _sendIov[i].Length = 0;
            _send[i].Header.Iov = &_sendIov[i];
            _send[i].Header.IovLength = 1;
            _receiveIov[i].Base = _receiveSlots + i * slotSize;
            _receiveIov[i].Length = (nuint)slotSize;
            _receive[i].Header.Iov = &_receiveIov[i];
            _receive[i].Header.IovLength = 1;
        }
    }

    public int Capacity => _capacity;

    /// <summary>Send slot <paramref name="i"/> (its bytes stay from one batch to the next).</summary>
    public Span<byte> SendSlot(int i) => new(_sendSlots + i * _slotSize, _slotSize);

    /// <summary>Sets how many bytes of send slot <paramref name="i"/> go out.</summary>
    public void SetLength(int i, int length) => _sendIov[i].Length = (nuint)length;

    /// <summary>Sends slots 0..count-1; returns how many the kernel took (a full buffer gets one short wait).</summary>
    public int Send(int count)
    {
        int done = 0;
        bool waited = false;
        int refused = 0;
        while (done < count)
        {
            int n = Libc.SendMMsg(_fd, _send + done, (uint)(count - done), Libc.MsgDontWait);
            if (n > 0)
            {
                done += n;
                continue;
            }
            int errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (errno == Errno.EINTR)
                continue;
            if (errno == Errno.EAGAIN && !waited)
            {
                waited = true;
                var pfd = new PollFd { Fd = _fd, Events = Libc.PollOut };
                Libc.Poll(&pfd, 1, SendWaitMs);
                continue;
            }
            if (errno == Errno.ECONNREFUSED && ++refused < 4)
                continue; // an ICMP error of an earlier datagram was reported on this call: send again
            break;
        }
        return done;
    }

    /// <summary>Receives up to a batch; waits up to <paramref name="timeoutMs"/> when nothing is ready. Returns the count.</summary>
    public int Receive(int timeoutMs)
    {
        int n = ReceiveReady();
        if (n > 0 || timeoutMs == 0)
            return n;
        var pfd = new PollFd { Fd = _fd, Events = Libc.PollIn };
        if (Libc.Poll(&pfd, 1, timeoutMs) <= 0)
            return 0;
        return ReceiveReady();
    }

    /// <summary>Datagram <paramref name="i"/> of the last receive.</summary>
    public ReadOnlySpan<byte> Received(int i) => new(_receiveSlots + i * _slotSize, (int)_receive[i].Length);

    private int ReceiveReady()
    {
        while (true)
        {
            int n = Libc.RecvMMsg(_fd, _receive, (uint)_capacity, Libc.MsgDontWait, null);
            if (n >= 0)
                return n;
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR && errno != Errno.ECONNREFUSED)
                return 0;
        }
    }

    public void Dispose()
    {
        if (_send == null)
            return;
        _socket.Dispose();
        NativeMemory.AlignedFree(_sendSlots);
        NativeMemory.AlignedFree(_receiveSlots);
        NativeMemory.AlignedFree(_send);
        NativeMemory.AlignedFree(_receive);
        NativeMemory.AlignedFree(_sendIov);
        NativeMemory.AlignedFree(_receiveIov);
        _send = null;
    }
}
