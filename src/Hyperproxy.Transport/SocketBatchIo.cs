using System.Net;
using System.Net.Sockets;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport;

/// <summary>
/// Portable batch I/O over System.Net.Sockets: a loop of the allocation-free
/// <c>ReceiveFrom(Span, SocketFlags, SocketAddress)</c> / <c>SendTo(ReadOnlySpan, SocketFlags,
/// SocketAddress)</c> calls on the same seam as <see cref="MmsgBatchIo"/>. Slower (one syscall per
/// datagram) but runs wherever .NET runs.
/// </summary>
public sealed class SocketBatchIo : IBatchIo
{
    private readonly Socket[] _sockets;
    private readonly SocketAddress[] _receiveAddresses;
    private readonly SocketAddress _sendAddress4 = new(AddressFamily.InterNetwork);
    private readonly SocketAddress _sendAddress6 = new(AddressFamily.InterNetworkV6);
    private readonly List<Socket> _selectList;
    private int _nextSocket;
    private bool _disposed;

    /// <summary>I/O over <paramref name="sockets"/> (owned from now on).</summary>
    public SocketBatchIo(IReadOnlyList<Socket> sockets)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        if (sockets.Count == 0)
            throw new ArgumentException("at least one socket", nameof(sockets));
        _sockets = [.. sockets];
        _receiveAddresses = new SocketAddress[_sockets.Length];
        for (int i = 0; i < _sockets.Length; i++)
            _receiveAddresses[i] = new SocketAddress(_sockets[i].AddressFamily);
        _selectList = new List<Socket>(_sockets.Length);
    }

    public int SocketCount => _sockets.Length;

    public int Receive(DatagramBatch batch, int timeoutMs)
    {
        batch.Clear();
        if (batch.InviteShedThreshold != 0)
            batch.InviteShedUnsupported = true; // no socket filters here
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ReceiveReady(batch) > 0 || timeoutMs == 0)
            return batch.Count;
        if (!Wait(timeoutMs))
            return 0;
        return ReceiveReady(batch);
    }

    public int Send(DatagramBatch outgoing)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int sent = 0;
        for (int i = 0; i < outgoing.Count; i++)
        {
            ref readonly DatagramInfo info = ref outgoing.Info(i);
            if ((uint)info.SocketIndex >= (uint)_sockets.Length)
                continue;
            SocketAddress address = info.Peer.IsIPv4 ? _sendAddress4 : _sendAddress6;
            if (!info.Peer.TryWriteSocketAddress(address))
                continue;
            try
            {
                _sockets[info.SocketIndex].SendTo(outgoing.Payload(i), SocketFlags.None, address);
                sent++;
            }
            catch (SocketException)
            {
                // Counted by the caller as a send error (sent < Count).
            }
        }
        return sent;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (Socket socket in _sockets)
            socket.Dispose();
    }

    private int ReceiveReady(DatagramBatch batch)
    {
        int sockets = _sockets.Length;
        int start = _nextSocket;
        _nextSocket = start + 1 == sockets ? 0 : start + 1;
        for (int k = 0; k < sockets; k++)
        {
            int index = start + k;
            if (index >= sockets)
                index -= sockets;
            Socket socket = _sockets[index];
            SocketAddress from = _receiveAddresses[index];
            while (!batch.IsFull)
            {
                int available;
                try
                {
                    // FIONREAD: on Linux the size of the next datagram, elsewhere all queued bytes.
                    available = socket.Available;
                    if (available == 0 && !socket.Poll(0, SelectMode.SelectRead))
                        break;
                    batch.TryGetFreeSlot(out Span<byte> slot);
                    int length = socket.ReceiveFrom(slot, SocketFlags.None, from);
                    if ((OperatingSystem.IsLinux() && available > slot.Length)
                        || !NetAddress.TryReadSocketAddress(from, out NetAddress peer))
                    {
                        batch.Truncated++;
                        continue;
                    }
                    batch.Commit(length, peer, index);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
                {
                    batch.Truncated++;
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                {
                    break;
                }
                catch (SocketException)
                {
                    batch.ReceiveErrors++;
                    break;
                }
            }
        }
        return batch.Count;
    }

    private bool Wait(int timeoutMs)
    {
        int micro = timeoutMs < 0 ? -1 : timeoutMs * 1000;
        try
        {
            if (_sockets.Length == 1)
                return _sockets[0].Poll(micro, SelectMode.SelectRead);
            _selectList.Clear();
            _selectList.AddRange(_sockets);
            Socket.Select(_selectList, null, null, micro);
            return _selectList.Count > 0;
        }
        catch (SocketException)
        {
            return false;
        }
    }

}
