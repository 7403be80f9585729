using Hyperproxy.Script.Tracing;
using Hyperproxy.Sip;
using Hyperproxy.Testing;

namespace Hyperproxy.Script.Tests.Tracing;

public class TraceRingTests
{
    private static readonly NetAddress s_a = NetAddress.FromIPv4(127, 0, 0, 1, 5060);
    private static readonly NetAddress s_b = NetAddress.FromIPv4(10, 0, 0, 2, 40000);

    [Fact]
    public void RecordsComeOutInOrderWithTheirHeadersAcrossTheWrap()
    {
        var ring = new TraceRing(4096);
        for (int i = 0; i < 200; i++)
        {
            byte[] message = System.Text.Encoding.ASCII.GetBytes($"OPTIONS sip:{i}@x SIP/2.0 " + new string('x', i % 97));
            Assert.True(ring.TryWrite(new TraceHeader { Source = s_a, Destination = s_b, Outgoing = i % 2 == 0, TraceId = (byte)(i % 3) }, message));
            Assert.True(ring.TryRead(out TraceHeader h, out byte[] read));
            Assert.Equal(message, read);
            Assert.Equal(i % 2 == 0, h.Outgoing);
            Assert.Equal(i % 3, h.TraceId);
            Assert.Equal(s_b, h.Destination);
        }

        Assert.False(ring.TryRead(out _, out _));
    }

    [Fact]
    public void AFullRingDropsAndCountsInsteadOfWaiting()
    {
        var ring = new TraceRing(4096);
        byte[] message = new byte[500];
        int written = 0;
        while (ring.TryWrite(default, message))
            written++;
        Assert.InRange(written, 6, 8);
        Assert.Equal(1, ring.Dropped);
        Assert.True(ring.TryRead(out _, out _));
        Assert.True(ring.TryWrite(default, message));
    }

    [Fact]
    public void CapturingOnAWorkerAllocatesNothingOnOrOff()
    {
        var hub = new TraceHub(workers: 2, enabled: true, ringBytes: 1 << 16);
        byte[] message = new byte[300];
        long allocated = Allocations.Least(() =>
        {
            for (int i = 0; i < 50_000; i++)
            {
                hub.Capture(1, 0, outgoing: false, s_a, s_b, message); // fills, then counts drops
            }

            hub.Enabled = false;
            for (int i = 0; i < 50_000; i++)
            {
                hub.Capture(1, 0, outgoing: true, s_a, s_b, message);
            }

            hub.Enabled = true;
        });
        Assert.Equal(0, allocated);
        Assert.True(hub.Dropped > 0);
    }

    [Fact]
    public void AProducerAndAConsumerThreadLoseAndReorderNothing()
    {
        var ring = new TraceRing(8192);
        const int count = 100_000;
        long dropped = 0;
        var producer = new Thread(() =>
        {
            byte[] m = new byte[8];
            for (int i = 0; i < count; i++)
            {
                BitConverter.TryWriteBytes(m, (long)i);
                while (!ring.TryWrite(default, m))
                    Thread.SpinWait(10);
            }
        });
        producer.Start();
        long expected = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (expected < count && DateTime.UtcNow < deadline)
        {
            if (ring.TryRead(out _, out byte[] m))
            {
                Assert.Equal(expected, BitConverter.ToInt64(m));
                expected++;
            }
        }

        Assert.True(producer.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(count, expected);
        dropped = ring.Dropped;
        Assert.True(dropped >= 0);
    }
}
