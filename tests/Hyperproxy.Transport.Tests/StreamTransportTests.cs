using System.Net;
using System.Net.Sockets;
using Hyperproxy.Sip;
using Hyperproxy.Testing;
using Hyperproxy.Transport.Streams;

namespace Hyperproxy.Transport.Tests;

public sealed class StreamTransportTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    private static ReadOnlySpan<byte> Options =>
        "OPTIONS sip:hyperproxy@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK1\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"u8;

    [Fact]
    public void MessagesOnAConnectionReachTheWorkerTaggedAndEchoBackOnIt()
    {
        using WorkerPool pool = TcpPool();
        pool.Start(_ => new ConnectionEchoHandler());
        using Socket client = Connect(pool);

        Assert.Equal(10, Echo(client, 10));
        Assert.Equal(10, pool.Streams!.ReadCounters().MessagesIn);
    }

    [Fact]
    public void TheWorkerAllocatesNothingPerStreamMessageInSteadyState()
    {
        using WorkerPool pool = TcpPool();
        pool.Start(_ => new ConnectionEchoHandler());
        using Socket client = Connect(pool);
        Assert.Equal(20_000, Echo(client, 20_000));

        long least = Allocations.LeastReported(() =>
        {
            long before = pool.Workers[0].AllocatedBytes;
            Assert.Equal(20_000, Echo(client, 20_000));
            Assert.True(SpinWait.SpinUntil(() => pool.ReadCounters().Sent >= 1, s_bound));
            return pool.Workers[0].AllocatedBytes - before;
        });

        // The worker's side (inbox drain, slot copy, handler, queueing on the connection) allocates nothing; a
        // one-off of the runtime's (a pool or channel growing) may show once.
        Assert.InRange(least, 0, 1024);
    }

    private static WorkerPool TcpPool() => new(new TransportOptions
    {
        Streams = [(TransportProtocol.Tcp, NetAddress.IPv4Loopback(0))],
        Workers = 1,
        PollTimeoutMs = 50,
        SkipInUseProbe = true,
    });

    private static Socket Connect(WorkerPool pool)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(pool.LocalAddresses[0].ToIPEndPoint());
        socket.ReceiveTimeout = 30_000;
        return socket;
    }

    /// <summary>Sends <paramref name="count"/> messages, 100 per write, and reads back as many echoes; returns how many came back.</summary>
    private static int Echo(Socket client, int count)
    {
        byte[] chunk = new byte[Options.Length * 100];
        for (int i = 0; i < 100; i++)
        {
            Options.CopyTo(chunk.AsSpan(i * Options.Length));
        }

        byte[] buffer = new byte[64 * 1024];
        long expected = (long)count * Options.Length;
        long received = 0;
        for (int sent = 0; sent < count; sent += 100)
        {
            client.Send(chunk, 0, Math.Min(100, count - sent) * Options.Length, SocketFlags.None);
            long target = (long)Math.Min(sent + 100, count) * Options.Length;
            while (received < target)
            {
                int n = client.Receive(buffer);
                if (n == 0)
                {
                    return (int)(received / Options.Length);
                }

                received += n;
            }
        }

        return (int)(Math.Min(received, expected) / Options.Length);
    }

    /// <summary>Sends every message back on the connection it came on.</summary>
    private sealed class ConnectionEchoHandler : IBatchHandler
    {
        public void Handle(DatagramBatch received, DatagramBatch outgoing)
        {
            for (int i = 0; i < received.Count; i++)
            {
                ref readonly DatagramInfo info = ref received.Info(i);
                outgoing.TryAdd(received.Payload(i), info.Peer, info.SocketIndex, info.ConnectionId);
            }
        }
    }
}
