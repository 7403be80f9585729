using System.Net.Sockets;
using System.Runtime.InteropServices;
using Hyperproxy.Sip;
using Hyperproxy.Transport.Interop;

namespace Hyperproxy.Transport;

/// <summary>
/// Datagrams to any destinations from one unconnected UDP socket, gathered and sent with one
/// <c>sendmmsg</c> per batch (a plain <c>sendto</c> per datagram where there is no sendmmsg). The caller
/// writes each datagram straight into the next slot (<see cref="Slot"/>, then <see cref="Commit"/>), so a
/// batch costs no copy and no allocation. Side threads only (one thread owns an instance): the tracer's HEP
/// output uses it. A datagram the kernel refuses is counted in <see cref="SendErrors"/> and dropped.
/// </summary>
public sealed unsafe class UdpBatchSender : IDisposable
{
    private const int SockaddrSize = 28;

    private readonly Socket _socket;
    private readonly int _capacity;
    private readonly int _slotSize;
    private readonly byte[] _fallback;
    private readonly NetAddress[] _destinations;
    private byte* _slots;
    private byte* _names;
    private MMsgHdr* _headers;
    private IoVec* _iov;
    private int _count;

    public UdpBatchSender(Socket socket, int capacity = 64, int slotSize = 16 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 512);
        _socket = socket;
        _capacity = capacity;
        _slotSize = slotSize;
        _destinations = new NetAddress[capacity];
        _fallback = OperatingSystem.IsLinux() ? [] : new byte[slotSize];
        _slots = (byte*)NativeMemory.AlignedAlloc((nuint)(capacity * slotSize), 64);
        _names = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * SockaddrSize));
        _headers = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(MMsgHdr)));
        _iov = (IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(IoVec)));
        for (int i = 0; i < capacity; i++)
        {
            _iov[i].Base = _slots + i * slotSize;
            _headers[i].Header.Iov = &_iov[i];
            _headers[i].Header.IovLength = 1;
            _headers[i].Header.Name = _names + i * SockaddrSize;
        }
    }

    /// <summary>The largest datagram a slot holds.</summary>
    public int SlotSize => _slotSize;

    /// <summary>Datagrams gathered and not sent yet.</summary>
    public int Pending => _count;

    /// <summary>Datagrams the kernel refused (or with an address it cannot take).</summary>
    public long SendErrors { get; private set; }

    /// <summary>Datagrams handed to the kernel.</summary>
    public long Sent { get; private set; }

    /// <summary>Where the next datagram is written (<see cref="SlotSize"/> bytes).</summary>
    public Span<byte> Slot => new(_slots + _count * _slotSize, _slotSize);

    /// <summary>The next <paramref name="length"/> bytes of <see cref="Slot"/> go to <paramref name="destination"/>; a full batch is sent.</summary>
    public void Commit(int length, in NetAddress destination)
    {
        if ((uint)length > (uint)_slotSize || !destination.TryWriteSockaddr(new Span<byte>(_names + _count * SockaddrSize, SockaddrSize), out int nameLength))
        {
            SendErrors++;
            return;
        }

        _iov[_count].Length = (nuint)length;
        _headers[_count].Header.NameLength = (uint)nameLength;
        _destinations[_count] = destination;
        if (++_count == _capacity)
        {
            Flush();
        }
    }

    /// <summary>Sends what is gathered (one sendmmsg, more when the kernel takes part of it).</summary>
    public void Flush()
    {
        int done = 0;
        if (!OperatingSystem.IsLinux())
        {
            for (; done < _count; done++)
            {
                SendOne(done);
            }

            _count = 0;
            return;
        }

        int fd = (int)_socket.SafeHandle.DangerousGetHandle();
        while (done < _count)
        {
            int n = Libc.SendMMsg(fd, _headers + done, (uint)(_count - done), 0);
            if (n > 0)
            {
                done += n;
                Sent += n;
                continue;
            }

            if (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR)
            {
                continue;
            }

            // the first datagram of the rest was refused (unreachable, no buffer, bad address): count it, go on
            SendErrors++;
            done++;
        }

        _count = 0;
    }

    private void SendOne(int i)
    {
        int length = (int)_iov[i].Length;
        new ReadOnlySpan<byte>(_iov[i].Base, length).CopyTo(_fallback);
        try
        {
            _socket.SendTo(_fallback, 0, length, SocketFlags.None, _destinations[i].ToIPEndPoint());
            Sent++;
        }
        catch (SocketException)
        {
            SendErrors++;
        }
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_slots);
        NativeMemory.Free(_names);
        NativeMemory.Free(_headers);
        NativeMemory.Free(_iov);
        _slots = null;
        _names = null;
        _headers = null;
        _iov = null;
    }
}
