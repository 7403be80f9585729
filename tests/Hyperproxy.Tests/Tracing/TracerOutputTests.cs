using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Management.Tracing;
using Hyperproxy.Script.Tracing;
using Hyperproxy.Sip;
using Hyperproxy.Testing;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Tracing;

/// <summary>The tracer thread's pieces: reading a ring in place, the page's ring of kept messages, HEP into a batch slot, the batch sender.</summary>
public class TracerOutputTests
{
    private static readonly NetAddress s_a = NetAddress.FromIPv4(127, 0, 0, 1, 5060);
    private static readonly NetAddress s_b = NetAddress.FromIPv4(10, 0, 0, 2, 40000);

    private static byte[] Message(int i, string callIdLine = "Call-ID: abc-{0}@host") =>
        Encoding.ASCII.GetBytes($"OPTIONS sip:{i}@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK{i}\r\n{string.Format(callIdLine, i)}\r\nCSeq: 1 OPTIONS\r\n\r\n");

    [Theory]
    [InlineData("Call-ID: abc-{0}@host", "abc-7@host")]
    [InlineData("i:abc-{0}@host  ", "abc-7@host")]
    [InlineData("call-id :\tabc-{0}@host", "abc-7@host")]
    [InlineData("X-Call-ID: nope", "")]
    public void TheCallIdIsReadInPlaceInEitherForm(string line, string expected)
    {
        Assert.Equal(expected, Encoding.ASCII.GetString(TraceText.CallIdBytes(Message(7, line))));
        Assert.Equal(expected, TraceText.CallId(Message(7, line)));
    }

    [Fact]
    public void TheCallIdOfTheBodyIsNotTaken()
    {
        byte[] m = Encoding.ASCII.GetBytes("MESSAGE sip:a@b SIP/2.0\r\nCSeq: 1 MESSAGE\r\n\r\nCall-ID: body\r\n");
        Assert.True(TraceText.CallIdBytes(m).IsEmpty);
    }

    [Fact]
    public void APeekedRecordStaysUntilAdvanced()
    {
        var ring = new TraceRing(4096);
        Assert.True(ring.TryWrite(new TraceHeader { Source = s_a, Destination = s_b }, Message(1)));
        Assert.True(ring.TryPeek(out _, out ReadOnlySpan<byte> first));
        Assert.Equal(Message(1), first.ToArray());
        Assert.True(ring.TryPeek(out _, out ReadOnlySpan<byte> again));
        Assert.Equal(Message(1), again.ToArray());
        ring.Advance();
        Assert.False(ring.TryPeek(out _, out _));
    }

    [Fact]
    public void ThePageKeepsTheLastMessagesInOrderAndGivesOnlyWhatIsNew()
    {
        var buffer = new TraceBuffer(new TraceHub(workers: 1, enabled: true, ringBytes: 1 << 16), keep: 5);
        for (int i = 1; i <= 12; i++)
            buffer.Add(new TraceHeader { Source = s_a, Destination = s_b, Outgoing = i % 2 == 0, UnixMicros = i }, Message(i), "tid");

        var all = buffer.Since(0);
        Assert.Equal([8L, 9L, 10L, 11L, 12L], all.Select(o => (long)o!["seq"]!).ToArray());
        Assert.Equal("abc-12@host", (string)all[4]!["call_id"]!);
        Assert.Equal("OPTIONS sip:12@x SIP/2.0", (string)all[4]!["first_line"]!);
        Assert.Equal("out", (string)all[4]!["direction"]!);
        Assert.Equal([11L, 12L], buffer.Since(10).Select(o => (long)o!["seq"]!).ToArray());
        Assert.Empty(buffer.Since(12));
        Assert.Equal(12, buffer.LastSequence);
    }

    [Fact]
    public void HepIsWrittenIntoTheSlotAndWhatDoesNotFitIsRefused()
    {
        byte[] message = Message(3);
        var h = new TraceHeader { Source = s_a, Destination = s_b, UnixMicros = 1_700_000_000_123_456 };
        byte[] slot = new byte[2048];
        int length = HepEncoder.Encode(h, message, 2001, "abc-3@host"u8, slot);
        Assert.Equal(HepEncoder.Length(h, message.Length, "abc-3@host"u8.Length), length);
        Assert.Equal("HEP3"u8.ToArray(), slot[..4]);
        Assert.Equal(length, BinaryPrimitives.ReadUInt16BigEndian(slot.AsSpan(4)));
        Assert.Equal(-1, HepEncoder.Encode(h, message, 2001, "abc-3@host"u8, slot.AsSpan(0, length - 1)));
    }

    [Fact]
    public void ReadingEncodingAndKeepingATracedMessageAllocatesNothing()
    {
        var hub = new TraceHub(workers: 1, enabled: true, ringBytes: 1 << 16);
        var buffer = new TraceBuffer(hub, keep: 16);
        byte[] message = Message(5);
        byte[] slot = new byte[4096];
        var h = new TraceHeader { Source = s_a, Destination = s_b };
        for (int i = 0; i < 32; i++)
            buffer.Add(h, message, "tid"); // the slots grow once
        TraceRing ring = hub.Rings[0];
        long allocated = Allocations.Least(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                ring.TryWrite(h, message);
                Assert.True(ring.TryPeek(out TraceHeader read, out ReadOnlySpan<byte> bytes));
                buffer.Add(read, bytes, "tid");
                HepEncoder.Encode(read, bytes, 1, TraceText.CallIdBytes(bytes), slot);
                ring.Advance();
            }
        });
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TheBatchSenderDeliversEveryDatagramToItsOwnDestination()
    {
        using var a = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var b = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var from = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        foreach (Socket s in new[] { a, b })
        {
            s.ReceiveBufferSize = 1 << 20;
            s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            s.ReceiveTimeout = 5000;
        }

        from.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        NetAddress toA = NetAddress.FromIPEndPoint((IPEndPoint)a.LocalEndPoint!);
        NetAddress toB = NetAddress.FromIPEndPoint((IPEndPoint)b.LocalEndPoint!);
        using var sender = new UdpBatchSender(from, capacity: 8, slotSize: 1024);
        const int count = 100; // 12 full batches and a rest
        for (int i = 0; i < count; i++)
        {
            int n = Encoding.ASCII.GetBytes($"datagram {i}", sender.Slot);
            sender.Commit(n, i % 2 == 0 ? toA : toB);
        }

        Assert.Equal(count % 8, sender.Pending);
        sender.Flush();
        Assert.Equal(0, sender.Pending);
        Assert.Equal(count, sender.Sent);
        Assert.Equal(0, sender.SendErrors);
        byte[] buffer = new byte[1024];
        for (int i = 0; i < count; i++)
        {
            int n = (i % 2 == 0 ? a : b).Receive(buffer);
            Assert.Equal($"datagram {i}", Encoding.ASCII.GetString(buffer, 0, n));
        }
    }

    [Fact]
    public void ADatagramLargerThanASlotIsCountedNotSent()
    {
        using var from = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var sender = new UdpBatchSender(from, capacity: 4, slotSize: 512);
        sender.Commit(513, s_a);
        Assert.Equal(0, sender.Pending);
        Assert.Equal(1, sender.SendErrors);
    }
}
