using System.Net;
using Hyperproxy.Sip;
using Hyperproxy.Testing;

namespace Hyperproxy.Tests.Proxy;

/// <summary>STUN Binding requests on the SIP UDP port (RFC 5389, RFC 5626 §4.4.2 keep-alives), before the SIP parser.</summary>
public sealed class StunTests
{
    [Fact]
    public void BindingRequestIsAnsweredWithTheSourceAsXorMappedAddress()
    {
        using var h = new ProxyHarness();
        byte[] request = StunClient.BindingRequest(out byte[] id);
        ProxyHarness.Sent reply = Assert.Single(h.SendBytes(request, NetAddress.FromIPv4(192, 0, 2, 33, 40123)));
        Assert.Equal(NetAddress.FromIPv4(192, 0, 2, 33, 40123), reply.Destination);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.33"), 40123), StunClient.MappedAddress(reply.Raw, id));
        Assert.Equal(1, h.Counters.StunAnswered);
        Assert.Equal(0, h.Counters.Garbage);
    }

    [Fact]
    public void Ipv6SourcesAreXoredWithCookieAndTransactionId()
    {
        using var h = new ProxyHarness();
        byte[] request = StunClient.BindingRequest(out byte[] id, [0x80, 0x22, 0x00, 0x03, (byte)'h', (byte)'p', (byte)'x', 0x00]);
        NetAddress from = NetAddress.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("2001:db8::17"), 5999));
        ProxyHarness.Sent reply = Assert.Single(h.SendBytes(request, from, socket: 1));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::17"), 5999), StunClient.MappedAddress(reply.Raw, id));
    }

    [Theory]
    [InlineData(0x0111)] // a Binding error response
    [InlineData(0x0002)] // not a Binding request
    public void OtherStunMessagesAreDroppedAsGarbage(int type)
    {
        using var h = new ProxyHarness();
        byte[] request = StunClient.BindingRequest(out _);
        request[0] = (byte)(type >> 8);
        request[1] = (byte)type;
        Assert.Empty(h.SendBytes(request));
        Assert.Equal(1, h.Counters.Garbage);
    }

    [Fact]
    public void TruncatedOrOverrunningRequestsAreDropped()
    {
        using var h = new ProxyHarness();
        byte[] request = StunClient.BindingRequest(out _, [0x00, 0x06, 0x00, 0x10, 1, 2, 3, 4]); // USERNAME claims 16 bytes, has 4
        Assert.Empty(h.SendBytes(request));
        byte[] bad = StunClient.BindingRequest(out _);
        bad[3] = 4; // length field beyond the datagram
        Assert.Empty(h.SendBytes(bad));
        Assert.Empty(h.SendBytes(bad[..20].Concat(new byte[] { 0, 0 }).ToArray()));
        Assert.Equal(0, h.Counters.StunAnswered);
    }

    [Fact]
    public void Crc32IsTheIso3309One()
    {
        Assert.Equal(0xCBF43926u, Hyperproxy.Proxy.StunResponder.Crc32("123456789"u8));
        Assert.Equal(0u, Hyperproxy.Proxy.StunResponder.Crc32([]));
    }

    [Fact]
    public void AFingerprintedRequestIsCheckedAndAnsweredWithAFingerprint()
    {
        using var h = new ProxyHarness();
        byte[] request = Fingerprinted(StunClient.BindingRequest(out byte[] id, [0x80, 0x22, 0x00, 0x03, (byte)'h', (byte)'p', (byte)'x', 0x00, 0, 0, 0, 0, 0, 0, 0, 0]));
        ProxyHarness.Sent reply = Assert.Single(h.SendBytes(request, NetAddress.FromIPv4(192, 0, 2, 33, 40123)));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.33"), 40123), StunClient.MappedAddress(reply.Raw, id));
        byte[] raw = reply.Raw.ToArray();
        Assert.Equal(0x8028, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(raw.AsSpan(raw.Length - 8)));
        Assert.Equal(4, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(raw.AsSpan(raw.Length - 6)));
        Assert.Equal(BitwiseCrc32(raw.AsSpan(0, raw.Length - 8)) ^ 0x5354554eu, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(raw.Length - 4)));

        // Without FINGERPRINT in the request, none in the answer.
        ProxyHarness.Sent plain = Assert.Single(h.SendBytes(StunClient.BindingRequest(out _)));
        Assert.Equal(32, plain.Raw.Length);
    }

    [Fact]
    public void AWrongOrMisplacedFingerprintDropsTheRequest()
    {
        using var h = new ProxyHarness();
        byte[] wrong = Fingerprinted(StunClient.BindingRequest(out _, [0x80, 0x22, 0x00, 0x03, (byte)'h', (byte)'p', (byte)'x', 0x00, 0, 0, 0, 0, 0, 0, 0, 0]));
        wrong[^1] ^= 1;
        Assert.Empty(h.SendBytes(wrong));

        // FINGERPRINT followed by another attribute: not the last one, dropped.
        byte[] good = Fingerprinted(StunClient.BindingRequest(out _, new byte[8]));
        byte[] misplaced = StunClient.BindingRequest(out _, [.. good.AsSpan(good.Length - 8), 0x80, 0x22, 0x00, 0x00]);
        Assert.Empty(h.SendBytes(misplaced));
        Assert.Equal(0, h.Counters.StunAnswered);
    }

    /// <summary>Fills the last 8 bytes of the request (left for it) with FINGERPRINT over what comes before.</summary>
    private static byte[] Fingerprinted(byte[] request)
    {
        int at = request.Length - 8;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(at), 0x8028);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(at + 2), 4);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(at + 4), BitwiseCrc32(request.AsSpan(0, at)) ^ 0x5354554eu);
        return request;
    }

    /// <summary>The CRC-32 the test computes itself, bit by bit (not the server's table).</summary>
    private static uint BitwiseCrc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
            }
        }

        return ~crc;
    }

    [Fact]
    public void AnsweringStunAllocatesNothing()
    {
        using var h = new ProxyHarness();
        byte[] request = StunClient.BindingRequest(out _);
        byte[] input = GC.AllocateArray<byte>(request.Length, pinned: true);
        request.CopyTo(input, 0);
        NetAddress from = NetAddress.FromIPv4(192, 0, 2, 33, 40123);
        h.ProcessRaw(input, input.Length, from);
        long allocated = Allocations.Least(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                h.ProcessRaw(input, input.Length, from);
            }
        });
        Assert.Equal(0, allocated);
        Assert.True(h.Counters.StunAnswered > 10_000);
    }
}
