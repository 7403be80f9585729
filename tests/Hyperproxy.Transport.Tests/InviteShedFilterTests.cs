using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Tests;

/// <summary>
/// tm's kernel shedding (<see cref="InviteShedFilter"/>, applied by <see cref="MmsgBatchIo"/> from
/// <see cref="DatagramBatch.InviteShedThreshold"/>): the real kernel runs the socket filter on every datagram sent to the
/// socket over loopback; INVITEs are dropped at the share asked for, every other datagram passes, and a threshold of 0
/// detaches the filter. The kernel's drop counter (SO_MEMINFO) counts what the filter dropped.
/// </summary>
public sealed class InviteShedFilterTests
{
    private const string Invite = "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-1\r\n\r\n";
    private const string Options = "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-2\r\n\r\n";
    private const string Reply = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-3\r\n\r\n";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AFullThresholdDropsEveryInviteAndNothingElseAndZeroDetachesIt(bool ipv6)
    {
        NetAddress local = ipv6 ? NetAddress.IPv6Loopback(0) : NetAddress.IPv4Loopback(0);
        using Socket socket = UdpSockets.Open(local, reusePort: false, 1 << 20);
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        using var io = new MmsgBatchIo([socket], 64);
        using var sender = new Socket(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = new IPEndPoint(ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, port);
        var batch = new DatagramBatch(64, 2048);

        batch.InviteShedThreshold = InviteShedFilter.ThresholdFor(1000);
        Assert.Equal(0, io.Receive(batch, 0)); // applies the filter; nothing sent yet
        Assert.False(batch.InviteShedUnsupported);
        long dropsBefore = batch.KernelDrops;

        string[] sent = [Invite, Options, "\r\n\r\n", Reply, "INVITE", Invite, "INVITEsip:x SIP/2.0\r\n\r\n", "ACK sip:bob@example.com SIP/2.0\r\n\r\n", Invite];
        foreach (string datagram in sent)
        {
            sender.SendTo(Encoding.ASCII.GetBytes(datagram), target);
        }

        List<string> received = ReceiveAll(io, batch, expected: 6);
        Assert.Equal([Options, "\r\n\r\n", Reply, "INVITE", "INVITEsip:x SIP/2.0\r\n\r\n", "ACK sip:bob@example.com SIP/2.0\r\n\r\n"], received);

        // Detached: INVITEs pass again, and the drop counter read while it was attached counted the three.
        batch.InviteShedThreshold = 0;
        Assert.Equal(0, io.Receive(batch, 0));
        Assert.Equal(3, batch.KernelDrops - dropsBefore);
        sender.SendTo(Encoding.ASCII.GetBytes(Invite), target);
        Assert.Equal([Invite], ReceiveAll(io, batch, expected: 1));
    }

    [Fact]
    public void AHalfThresholdDropsAboutHalfTheInvites()
    {
        using Socket socket = UdpSockets.Open(NetAddress.IPv4Loopback(0), reusePort: false, 8 << 20);
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        using var io = new MmsgBatchIo([socket], 64);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = new IPEndPoint(IPAddress.Loopback, port);
        var batch = new DatagramBatch(64, 2048);
        batch.InviteShedThreshold = InviteShedFilter.ThresholdFor(500);
        io.Receive(batch, 0);

        const int Sent = 4000;
        byte[] invite = Encoding.ASCII.GetBytes(Invite);
        byte[] options = Encoding.ASCII.GetBytes(Options);
        int invites = 0, others = 0;
        for (int i = 0; i < Sent; i++)
        {
            sender.SendTo(invite, target);
            sender.SendTo(options, target);
            if (i % 200 == 199)
            {
                Count(io, batch, ref invites, ref others); // keep the buffer from filling: only the filter drops
            }
        }

        Count(io, batch, ref invites, ref others);
        Assert.Equal(Sent, others);
        // Binomial(4000, 0.5): the mean is 2000, the standard deviation 32; 1700..2300 is more than 9 of them.
        Assert.InRange(invites, 1700, 2300);
    }

    [Fact]
    public void ThresholdsMapPermilleOntoTheRandomNumbersRange()
    {
        Assert.Equal(0u, InviteShedFilter.ThresholdFor(0));
        Assert.Equal(uint.MaxValue, InviteShedFilter.ThresholdFor(1000));
        Assert.Equal(uint.MaxValue / 2, InviteShedFilter.ThresholdFor(500));
    }

    private static void Count(MmsgBatchIo io, DatagramBatch batch, ref int invites, ref int others)
    {
        while (io.Receive(batch, 0) > 0)
        {
            for (int i = 0; i < batch.Count; i++)
            {
                if (batch.Payload(i).StartsWith("INVITE "u8))
                {
                    invites++;
                }
                else
                {
                    others++;
                }
            }
        }
    }

    /// <summary>Receives until <paramref name="expected"/> datagrams are in, then checks nothing more comes within 200 ms.</summary>
    private static List<string> ReceiveAll(MmsgBatchIo io, DatagramBatch batch, int expected)
    {
        var received = new List<string>();
        long deadline = Environment.TickCount64 + 5000;
        while (received.Count < expected && Environment.TickCount64 < deadline)
        {
            io.Receive(batch, 100);
            for (int i = 0; i < batch.Count; i++)
            {
                received.Add(Encoding.ASCII.GetString(batch.Payload(i)));
            }
        }

        io.Receive(batch, 200);
        for (int i = 0; i < batch.Count; i++)
        {
            received.Add(Encoding.ASCII.GetString(batch.Payload(i)));
        }

        return received;
    }
}
