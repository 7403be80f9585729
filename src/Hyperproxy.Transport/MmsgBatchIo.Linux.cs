using System.Net.Sockets;
using System.Runtime.InteropServices;
using Hyperproxy.Sip;
using Hyperproxy.Transport.Interop;

namespace Hyperproxy.Transport;

/// <summary>
/// Linux batch I/O: one recvmmsg per ready socket fills a batch, one sendmmsg per socket flushes
/// one. The mmsghdr, iovec, sockaddr and pollfd arrays are allocated once in native memory and
/// reused; nothing on Receive/Send allocates. Sockets are used with MSG_DONTWAIT and poll(), so the
/// caller's timeout bounds every wait.
/// </summary>
public sealed unsafe class MmsgBatchIo : IBatchIo
{
    // Room for a sockaddr_in6 (28 bytes), rounded up.
    internal const int NameSize = 32;

    // A full socket buffer gets one short wait before the rest of the batch is dropped.
    private const int SendWaitMs = 10;

    private readonly Socket[] _sockets;
    private readonly int[] _fds;
    private readonly int _capacity;
    private MMsgHdr* _messages;
    private IoVec* _iovecs;
    private byte* _names;
    private PollFd* _pollFds;
    private int _nextSocket;
    private int _wakeFd = -1;
    private int _watchFd = -1;
    private uint _shedApplied;
    private int _dropsCountdown;

    // While shedding, the sockets' drop counters are read once every this many receives.
    private const int DropsEvery = 64;

    /// <summary>I/O over <paramref name="sockets"/> (owned from now on) for batches up to <paramref name="capacity"/>.</summary>
    public MmsgBatchIo(IReadOnlyList<Socket> sockets, int capacity)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("recvmmsg/sendmmsg need Linux");
        ArgumentNullException.ThrowIfNull(sockets);
        if (sockets.Count == 0)
            throw new ArgumentException("at least one socket", nameof(sockets));
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _sockets = [.. sockets];
        _fds = new int[_sockets.Length];
        for (int i = 0; i < _sockets.Length; i++)
            _fds[i] = (int)_sockets[i].SafeHandle.DangerousGetHandle();
        _capacity = capacity;
        _messages = (MMsgHdr*)NativeMemory.AlignedAlloc((nuint)(capacity * sizeof(MMsgHdr)), 64);
        _iovecs = (IoVec*)NativeMemory.AlignedAlloc((nuint)(capacity * sizeof(IoVec)), 64);
        _names = (byte*)NativeMemory.AlignedAlloc((nuint)(capacity * NameSize), 64);
        // Two more pollfds: an eventfd that ends a wait early (WaitAlso) and a watched fd (TryWatch: the WAL's io_uring).
        _pollFds = (PollFd*)NativeMemory.AlignedAlloc((nuint)((_fds.Length + 2) * sizeof(PollFd)), 64);
        NativeMemory.Clear(_messages, (nuint)(capacity * sizeof(MMsgHdr)));
        for (int i = 0; i < capacity; i++)
        {
            _messages[i].Header.Iov = &_iovecs[i];
            _messages[i].Header.IovLength = 1;
            _messages[i].Header.Name = _names + i * NameSize;
        }
    }

    public int SocketCount => _fds.Length;

    public int Receive(DatagramBatch batch, int timeoutMs)
    {
        batch.Clear();
        ObjectDisposedException.ThrowIf(_messages == null, this);
        if (batch.InviteShedThreshold != _shedApplied || (_shedApplied != 0 && --_dropsCountdown <= 0))
            Shed(batch);
        if (ReceiveReady(batch) > 0 || timeoutMs == 0)
            return batch.Count;
        return WaitAndReceive(batch, timeoutMs);
    }

    /// <summary>
    /// Makes every wait also end when <paramref name="eventFd"/> (an eventfd another thread writes to) becomes
    /// readable; its count is then read back to 0. Set once, before the worker starts.
    /// </summary>
    internal void WaitAlso(int eventFd) => _wakeFd = eventFd;

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> for a datagram (or the <see cref="WaitAlso"/> eventfd) without the
    /// first look <see cref="Receive"/> takes, then receives what is there: for a caller that has just looked.
    /// </summary>
    internal int WaitAndReceive(DatagramBatch batch, int timeoutMs)
    {
        batch.Clear();
        ObjectDisposedException.ThrowIf(_messages == null, this);
        int sockets = _fds.Length;
        for (int i = 0; i < sockets; i++)
        {
            _pollFds[i].Fd = _fds[i];
            _pollFds[i].Events = Libc.PollIn;
            _pollFds[i].Revents = 0;
        }
        int polled = sockets;
        int wakeAt = -1;
        int watchAt = -1;
        if (_wakeFd >= 0)
        {
            wakeAt = polled++;
            _pollFds[wakeAt].Fd = _wakeFd;
            _pollFds[wakeAt].Events = Libc.PollIn;
            _pollFds[wakeAt].Revents = 0;
        }
        if (_watchFd >= 0)
        {
            watchAt = polled++;
            _pollFds[watchAt].Fd = _watchFd;
            _pollFds[watchAt].Events = Libc.PollIn;
            _pollFds[watchAt].Revents = 0;
        }
        int ready = Libc.Poll(_pollFds, (nuint)polled, timeoutMs);
        if (ready <= 0)
        {
            // Timeout, or EINTR: the caller's loop comes back here after checking for shutdown.
            if (ready < 0 && Errno.Classify(Marshal.GetLastPInvokeError()) == ErrnoAction.Fail)
                batch.ReceiveErrors++;
            return 0;
        }
        if (wakeAt >= 0 && (_pollFds[wakeAt].Revents & Libc.PollIn) != 0)
        {
            Streams.WorkerWake.Consume(_wakeFd);
            ready--;
        }
        if (watchAt >= 0 && _pollFds[watchAt].Revents != 0)
            ready--; // the watcher's owner reads it (the worker completes its commits every turn)
        return ready > 0 ? ReceiveReady(batch) : 0; // only the wake or the watch: no recvmmsg
    }

    public int Send(DatagramBatch outgoing)
    {
        ObjectDisposedException.ThrowIf(_messages == null, this);
        int total = outgoing.Count;
        int sent = 0;
        for (int socket = 0; socket < _fds.Length; socket++)
        {
            int count = 0;
            for (int i = 0; i < total; i++)
            {
                ref readonly DatagramInfo info = ref outgoing.Info(i);
                if (info.SocketIndex != socket)
                    continue;
                byte* name = _names + count * NameSize;
                if (!info.Peer.TryWriteSockaddr(new Span<byte>(name, NameSize), out int nameLength))
                    continue;
                ref MsgHdr header = ref _messages[count].Header;
                header.NameLength = (uint)nameLength;
                header.Flags = 0;
                _iovecs[count].Base = outgoing.SlotPointer(i);
                _iovecs[count].Length = (nuint)info.Length;
                count++;
                if (count == _capacity)
                {
                    // An outgoing batch may hold more than one sendmmsg's worth (a request can send several).
                    sent += SendAll(_fds[socket], count);
                    count = 0;
                }
            }
            if (count > 0)
                sent += SendAll(_fds[socket], count);
        }
        return sent;
    }

    public bool TryWatch(int fd)
    {
        if (fd < 0 || _watchFd >= 0)
            return false;
        _watchFd = fd;
        return true;
    }

    public void Dispose()
    {
        if (_messages == null)
            return;
        foreach (Socket socket in _sockets)
            socket.Dispose();
        NativeMemory.AlignedFree(_messages);
        NativeMemory.AlignedFree(_iovecs);
        NativeMemory.AlignedFree(_names);
        NativeMemory.AlignedFree(_pollFds);
        _messages = null;
        _iovecs = null;
        _names = null;
        _pollFds = null;
    }

    private int ReceiveReady(DatagramBatch batch)
    {
        int sockets = _fds.Length;
        int start = _nextSocket;
        _nextSocket = start + 1 == sockets ? 0 : start + 1;
        int slotSize = batch.SlotSize;
        int capacity = Math.Min(batch.Capacity, _capacity);
        for (int k = 0; k < sockets; k++)
        {
            int socket = start + k;
            if (socket >= sockets)
                socket -= sockets;
            int first = batch.Count;
            int free = capacity - first;
            if (free == 0)
                break;
            for (int j = 0; j < free; j++)
            {
                ref MsgHdr header = ref _messages[j].Header;
                header.NameLength = NameSize;
                header.Flags = 0;
                _iovecs[j].Base = batch.SlotPointer(first + j);
                _iovecs[j].Length = (nuint)slotSize;
            }
            int received;
            while (true)
            {
                received = Libc.RecvMMsg(_fds[socket], _messages, (uint)free, Libc.MsgDontWait, null);
                if (received >= 0)
                    break;
                ErrnoAction action = Errno.Classify(Marshal.GetLastPInvokeError());
                if (action == ErrnoAction.Retry)
                    continue;
                if (action == ErrnoAction.Fail)
                    batch.ReceiveErrors++;
                break;
            }
            if (received > 0)
                Accept(batch, first, received, socket);
            if (received == free)
                NoteBacklog(batch, _fds[socket]); // it filled the batch: something may be left behind
        }
        return batch.Count;
    }

    /// <summary>
    /// Applies <see cref="DatagramBatch.InviteShedThreshold"/> to every socket when it changed (a socket filter attached,
    /// replaced or detached), and reads the sockets' drop counters into <see cref="DatagramBatch.KernelDrops"/>.
    /// A kernel that refuses the filter turns shedding off for good (<see cref="DatagramBatch.InviteShedUnsupported"/>).
    /// </summary>
    private void Shed(DatagramBatch batch)
    {
        uint wanted = batch.InviteShedUnsupported ? 0 : batch.InviteShedThreshold;
        if (wanted != _shedApplied)
        {
            for (int i = 0; i < _fds.Length; i++)
            {
                if (!InviteShedFilter.Apply(_fds[i], wanted))
                {
                    batch.InviteShedUnsupported = true;
                    wanted = 0;
                    for (int j = 0; j <= i; j++)
                        InviteShedFilter.Apply(_fds[j], 0);
                    break;
                }
            }
            _shedApplied = wanted;
        }
        _dropsCountdown = DropsEvery;
        uint* info = stackalloc uint[Libc.SkMemInfoVars];
        long drops = 0;
        for (int i = 0; i < _fds.Length; i++)
        {
            uint length = Libc.SkMemInfoVars * sizeof(uint);
            if (Libc.GetSockOpt(_fds[i], Libc.SolSocket, Libc.SoMemInfo, info, &length) == 0 && length > Libc.SkMemInfoDrops * sizeof(uint))
                drops += info[Libc.SkMemInfoDrops];
        }
        batch.KernelDrops = drops;
    }

    /// <summary>
    /// One getsockopt(SO_MEMINFO) after a receive that filled the batch: the bytes still queued and the buffer they fill.
    /// Only then: a socket read short is drained. The fullest socket (relative to its buffer) is the batch's backlog.
    /// </summary>
    private static void NoteBacklog(DatagramBatch batch, int fd)
    {
        uint* info = stackalloc uint[Libc.SkMemInfoVars];
        uint length = Libc.SkMemInfoVars * sizeof(uint);
        if (Libc.GetSockOpt(fd, Libc.SolSocket, Libc.SoMemInfo, info, &length) != 0 || length < 2 * sizeof(uint) || info[1] == 0)
            return;
        long queued = info[0];
        long limit = info[1];
        if (batch.QueueLimitBytes == 0 || queued * batch.QueueLimitBytes > batch.QueuedBytes * limit)
            batch.SetBacklog(queued, limit);
    }

    private void Accept(DatagramBatch batch, int first, int received, int socket)
    {
        int write = first;
        for (int j = 0; j < received; j++)
        {
            ref MMsgHdr message = ref _messages[j];
            if ((message.Header.Flags & Libc.MsgTrunc) != 0
                || !NetAddress.TryReadSockaddr(new ReadOnlySpan<byte>(message.Header.Name, (int)message.Header.NameLength), out NetAddress peer))
            {
                batch.Truncated++;
                continue;
            }
            int length = (int)message.Length;
            if (write != first + j)
            {
                // A dropped datagram left a gap: slide this one down so slots stay dense.
                Buffer.MemoryCopy(batch.SlotPointer(first + j), batch.SlotPointer(write), batch.SlotSize, length);
            }
            batch.SetReceived(write, length, peer, socket);
            write++;
        }
    }

    private int SendAll(int fd, int count)
    {
        int done = 0;
        int sent = 0;
        bool waited = false;
        while (done < count)
        {
            int result = Libc.SendMMsg(fd, _messages + done, (uint)(count - done), Libc.MsgDontWait);
            if (result == 0)
                break;
            if (result > 0)
            {
                done += result;
                sent += result;
                continue;
            }
            ErrnoAction action = Errno.Classify(Marshal.GetLastPInvokeError());
            if (action == ErrnoAction.Retry)
                continue;
            if (action == ErrnoAction.NothingNow && !waited)
            {
                waited = true;
                PollFd pollFd = new() { Fd = fd, Events = Libc.PollOut };
                Libc.Poll(&pollFd, 1, SendWaitMs);
                continue;
            }
            if (action == ErrnoAction.NothingNow)
                break;
            // This datagram failed (unreachable, wrong family, ...): skip it, send the rest.
            done++;
        }
        return sent;
    }
}
