using Hyperproxy.Proxy;
using Hyperproxy.Sip;

namespace Hyperproxy.Tests.Proxy;

public sealed class ParkedRequestsTests
{
    private static readonly NetAddress From = NetAddress.IPv4Loopback(5060);

    [Fact]
    public void RequestsComeBackInParkingOrderWithTheirBytesSourceSocketAndTime()
    {
        var parked = new ParkedRequests(capacity: 4, slotBytes: 64);
        Assert.True(parked.TryPark("first"u8, From, 1, 0, 10));
        Assert.True(parked.TryPark("second"u8, From, 2, 7, 20));
        Assert.Equal(10, parked.OldestParkedAt);

        var buffer = new byte[64];
        int length = parked.Take(buffer, out NetAddress source, out int socket, out _, out long at);
        Assert.Equal("first"u8.ToArray(), buffer[..length]);
        Assert.Equal((From, 1, 10L), (source, socket, at));
        Assert.Equal(20, parked.OldestParkedAt);
        length = parked.Take(buffer, out _, out socket, out long connection, out _);
        Assert.Equal("second"u8.ToArray(), buffer[..length]);
        Assert.Equal((2, 7L), (socket, connection));
        Assert.Equal(0, parked.Count);
        Assert.Equal(0, parked.OldestParkedAt);
    }

    [Fact]
    public void RequestsAreNumberedInParkingOrderAndParkingAgainGivesANewNumber()
    {
        var parked = new ParkedRequests(capacity: 4, slotBytes: 16);
        Assert.Equal(0, parked.HeadSequence); // none parked: the next number
        Assert.True(parked.TryPark("a"u8, From, 0, 0, 1));
        Assert.True(parked.TryPark("b"u8, From, 0, 0, 2));
        Assert.Equal((0L, 2L), (parked.HeadSequence, parked.NextSequence));

        // The oldest runs again and parks again: behind the other, with a number past every earlier one.
        var buffer = new byte[16];
        int length = parked.Take(buffer, out _, out _, out _, out long at);
        Assert.True(parked.TryPark(buffer.AsSpan(0, length), From, 0, 0, at));
        Assert.Equal((1L, 3L), (parked.HeadSequence, parked.NextSequence));

        parked.Take(buffer, out _, out _, out _, out _);
        parked.Take(buffer, out _, out _, out _, out _);
        Assert.Equal(3, parked.HeadSequence); // empty again: past the last one parked
    }

    [Fact]
    public void FullOrOversizedRequestsAreRefusedAndTheRingWraps()
    {
        var parked = new ParkedRequests(capacity: 2, slotBytes: 8);
        Assert.False(parked.TryPark("123456789"u8, From, 0, 0, 1));
        Assert.True(parked.TryPark("a"u8, From, 0, 0, 1));
        Assert.True(parked.TryPark("b"u8, From, 0, 0, 2));
        Assert.False(parked.TryPark("c"u8, From, 0, 0, 3));

        var buffer = new byte[8];
        for (int round = 0; round < 5; round++)
        {
            int length = parked.Take(buffer, out _, out _, out _, out _);
            Assert.Equal(1, length);
            Assert.True(parked.TryPark(buffer.AsSpan(0, length), From, 0, 0, round));
            Assert.Equal(2, parked.Count);
        }
    }
}
