using System.Net;
using System.Text;

namespace Hyperproxy.Sip.Tests;

public class NetAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("::1", "[::1]")]
    [InlineData("[::1]", "[::1]")]
    [InlineData("::", "[::]")]
    [InlineData("2001:DB8:0:0:0:0:0:1", "[2001:db8::1]")]
    [InlineData("2001:db8::0:1", "[2001:db8::1]")]
    [InlineData("2001:0db8:0000:0000:0001:0000:0000:0001", "[2001:db8::1:0:0:1]")]
    [InlineData("2001:db8:0:1:1:1:1:1", "[2001:db8:0:1:1:1:1:1]")]
    [InlineData("2001:db8::", "[2001:db8::]")]
    [InlineData("1:0:0:2:0:0:0:3", "[1:0:0:2::3]")]
    [InlineData("fe80::1%2", "[fe80::1%2]")]
    [InlineData("[fe80::abcd%13]", "[fe80::abcd%13]")]
    [InlineData("::ffff:192.0.2.1", "[::ffff:192.0.2.1]")]
    [InlineData("64:ff9b::192.0.2.33", "[64:ff9b::c000:221]")]
    [InlineData("1:2:3:4:5:6:7:8", "[1:2:3:4:5:6:7:8]")]
    public void HostParsesAndFormatsInRfc5952Form(string text, string expected)
    {
        Assert.True(NetAddress.TryParse(Encoding.ASCII.GetBytes(text), 5060, out NetAddress address));
        Span<byte> buffer = stackalloc byte[NetAddress.MaxFormattedLength];
        Assert.True(address.TryFormatHost(buffer, out int written));
        Assert.Equal(expected, Encoding.ASCII.GetString(buffer.Slice(0, written)));
        Assert.Equal(5060, address.Port);

        // The formatted host parses back to the same address.
        Assert.True(NetAddress.TryParse(buffer.Slice(0, written), 5060, out NetAddress again));
        Assert.Equal(address, again);
    }

    [Theory]
    [InlineData("127.0.0.1", 5060, "127.0.0.1:5060")]
    [InlineData("::1", 5060, "[::1]:5060")]
    [InlineData("fe80::1%3", 0, "[fe80::1%3]:0")]
    [InlineData("10.1.2.3", 65535, "10.1.2.3:65535")]
    public void TryFormatWritesHostAndPort(string host, int port, string expected)
    {
        Assert.True(NetAddress.TryParse(Encoding.ASCII.GetBytes(host), port, out NetAddress address));
        Span<byte> buffer = stackalloc byte[NetAddress.MaxFormattedLength];
        Assert.True(address.TryFormat(buffer, out int written));
        Assert.Equal(expected, Encoding.ASCII.GetString(buffer.Slice(0, written)));
        Assert.Equal(expected, address.ToString());
        Assert.True(NetAddress.TryParseHostPort(buffer.Slice(0, written), out NetAddress again));
        Assert.Equal(address, again);
    }

    [Fact]
    public void TryFormatReturnsFalseWhenTheSpanIsTooSmall()
    {
        NetAddress address = NetAddress.IPv6Loopback(5060);
        Span<byte> buffer = stackalloc byte[NetAddress.MaxFormattedLength];
        for (int size = 0; size < "[::1]:5060".Length; size++)
            Assert.False(address.TryFormat(buffer.Slice(0, size), out _));
        for (int size = 0; size < "[::1]".Length; size++)
            Assert.False(address.TryFormatHost(buffer.Slice(0, size), out _));
        Assert.True(address.TryFormatHost(buffer.Slice(0, 5), out int written));
        Assert.Equal(5, written);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.1.1.1")]
    [InlineData("01.2.3.4")]
    [InlineData("1.2.3.4 ")]
    [InlineData("1..3.4")]
    [InlineData("example.com")]
    [InlineData(":::")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1::2::3")]
    [InlineData(":1::2")]
    [InlineData("1::2:")]
    [InlineData("12345::1")]
    [InlineData("1:2:3:4:5:6:7")]
    [InlineData("1:2:3:4:5:6:7::8")]
    [InlineData("::g")]
    [InlineData("[::1")]
    [InlineData("::1]")]
    [InlineData("[]")]
    [InlineData("fe80::1%")]
    [InlineData("fe80::1%eth0")]
    [InlineData("::1.2.3.4:5")]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4")]
    public void TryParseRejectsWhatIsNotANumericHost(string text)
    {
        Assert.False(NetAddress.TryParse(Encoding.ASCII.GetBytes(text), 5060, out _));
    }

    [Fact]
    public void TryParseRejectsAPortOutOfRange()
    {
        Assert.False(NetAddress.TryParse("127.0.0.1"u8, 65536, out _));
        Assert.False(NetAddress.TryParse("127.0.0.1"u8, -1, out _));
    }

    [Theory]
    [InlineData("127.0.0.1:5060")]
    [InlineData("[::1]:5060")]
    [InlineData("[fe80::1%2]:1")]
    public void SockaddrRoundTripKeepsAddressPortAndScope(string text)
    {
        Assert.True(NetAddress.TryParseHostPort(Encoding.ASCII.GetBytes(text), out NetAddress address));
        Span<byte> sockaddr = stackalloc byte[32];
        Assert.True(address.TryWriteSockaddr(sockaddr, out int written));
        Assert.Equal(address.IsIPv4 ? NetAddress.SockaddrIn4Size : NetAddress.SockaddrIn6Size, written);
        Assert.True(NetAddress.TryReadSockaddr(sockaddr.Slice(0, written), out NetAddress again));
        Assert.Equal(address, again);
    }

    [Fact]
    public void SockaddrInHasTheKernelLayout()
    {
        NetAddress address = NetAddress.FromIPv4(192, 0, 2, 1, 5060);
        Span<byte> sockaddr = stackalloc byte[16];
        Assert.True(address.TryWriteSockaddr(sockaddr, out _));
        // sa_family = AF_INET (2, host order), sin_port = 5060 big-endian, sin_addr.
        byte[] expected = [.. BitConverter.GetBytes((ushort)2), 0x13, 0xC4, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(expected, sockaddr.ToArray());
    }

    [Theory]
    [InlineData("192.0.2.1", 5060)]
    [InlineData("::1", 5061)]
    [InlineData("2001:db8::7", 1)]
    public void IPEndPointRoundTrip(string ip, int port)
    {
        var endPoint = new IPEndPoint(IPAddress.Parse(ip), port);
        NetAddress address = NetAddress.FromIPEndPoint(endPoint);
        Assert.Equal(endPoint, address.ToIPEndPoint());
        Assert.True(NetAddress.TryParse(Encoding.ASCII.GetBytes(ip), port, out NetAddress parsed));
        Assert.Equal(parsed, address);
    }

    [Fact]
    public void IPEndPointKeepsTheScopeId()
    {
        var endPoint = new IPEndPoint(IPAddress.Parse("fe80::1%4"), 5060);
        NetAddress address = NetAddress.FromIPEndPoint(endPoint);
        Assert.Equal(4u, address.ScopeId);
        Assert.Equal(4, address.ToIPEndPoint().Address.ScopeId);
    }

    [Fact]
    public void EqualityComparesFamilyAddressPortAndScope()
    {
        NetAddress a = NetAddress.IPv4Loopback(5060);
        Assert.Equal(a, NetAddress.FromIPv4(127, 0, 0, 1, 5060));
        Assert.NotEqual(a, a.WithPort(5061));
        Assert.True(a.HostEquals(a.WithPort(5061)));
        Assert.NotEqual(a, NetAddress.IPv6Loopback(5060));
        Assert.True(NetAddress.TryParse("fe80::1%1"u8, 1, out NetAddress scoped1));
        Assert.True(NetAddress.TryParse("fe80::1%2"u8, 1, out NetAddress scoped2));
        Assert.NotEqual(scoped1, scoped2);
        Assert.True(a == NetAddress.IPv4Loopback(5060));
        Assert.Equal(a.GetHashCode(), NetAddress.IPv4Loopback(5060).GetHashCode());
    }

    [Fact]
    public void IPv4AndIPv6ZeroAddressesAreNotEqual()
    {
        Assert.True(NetAddress.TryParse("0.0.0.0"u8, 0, out NetAddress v4));
        Assert.True(NetAddress.TryParse("::"u8, 0, out NetAddress v6));
        Assert.True(v4.IsAny);
        Assert.True(v6.IsAny);
        Assert.NotEqual(v4, v6);
    }

    [Fact]
    public void ParseAndFormatAllocateNothing()
    {
        ReadOnlySpan<byte> text = "2001:db8::1"u8;
        Span<byte> buffer = stackalloc byte[NetAddress.MaxFormattedLength];
        NetAddress.TryParse(text, 5060, out NetAddress warm);
        warm.TryFormat(buffer, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            NetAddress.TryParse(text, 5060, out NetAddress address);
            address.TryFormat(buffer, out _);
            NetAddress.TryParse("192.0.2.1"u8, 5060, out address);
            address.TryFormatHost(buffer, out _);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
