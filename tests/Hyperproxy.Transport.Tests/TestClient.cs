using System.Diagnostics;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Tests;

/// <summary>
/// A batched UDP client on loopback for driving a worker pool: sends through the same batch I/O the
/// workers use, and counts replies. Every loop is bounded in time.
/// </summary>
internal sealed class TestClient : IDisposable
{
    private readonly IBatchIo _io;
    private readonly DatagramBatch _out;
    private readonly DatagramBatch _in;

    public TestClient(BatchIoKind kind, NetAddress local, int batch = 64, int slotSize = 65536)
    {
        var socket = UdpSockets.Open(local, reusePort: false);
        Local = UdpSockets.LocalAddress(socket);
        _io = BatchIo.Create(kind, [socket], batch);
        _out = new DatagramBatch(batch, slotSize);
        _in = new DatagramBatch(batch, slotSize);
    }

    public NetAddress Local { get; }

    /// <summary>The last batch of replies <see cref="Receive"/> returned.</summary>
    public DatagramBatch Received => _in;

    public void Send(NetAddress to, ReadOnlySpan<byte> payload, int copies = 1)
    {
        _out.Clear();
        for (int i = 0; i < copies; i++)
            Assert.True(_out.TryAdd(payload, to, 0));
        Assert.Equal(copies, _io.Send(_out));
    }

    public int Receive(int timeoutMs) => _io.Receive(_in, timeoutMs);

    /// <summary>Receives until one reply arrives; returns its payload, or null after the bound.</summary>
    public byte[]? ReceiveOne(TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < bound)
        {
            if (Receive(20) > 0)
                return _in.Payload(0).ToArray();
        }
        return null;
    }

    /// <summary>
    /// Sends <paramref name="total"/> copies of <paramref name="payload"/> to <paramref name="to"/>
    /// in batches, never more than <paramref name="window"/> unanswered, and counts the echoes that
    /// match. Returns the echoes received within <paramref name="bound"/>.
    /// </summary>
    public long Drive(NetAddress to, ReadOnlySpan<byte> payload, long total, int window, TimeSpan bound)
    {
        long sent = 0;
        long received = 0;
        var clock = Stopwatch.StartNew();
        while (received < total && clock.Elapsed < bound)
        {
            _out.Clear();
            while (sent < total && sent - received < window && !_out.IsFull)
            {
                _out.TryAdd(payload, to, 0);
                sent++;
            }
            if (_out.Count > 0)
                _io.Send(_out);
            int n = _io.Receive(_in, 10);
            for (int i = 0; i < n; i++)
            {
                if (_in.Payload(i).SequenceEqual(payload) && _in.Peer(i) == to)
                    received++;
            }
        }
        return received;
    }

    public void Dispose() => _io.Dispose();
}
