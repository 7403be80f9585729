using System.Buffers.Binary;
using System.Net;

namespace Hyperproxy.Tests.Proxy;

/// <summary>A minimal STUN client (RFC 5389): builds Binding requests and reads XOR-MAPPED-ADDRESS from the response.</summary>
internal static class StunClient
{
    public const uint Cookie = 0x2112A442;

    /// <summary>A Binding request with a random transaction id and the given attributes (already padded).</summary>
    public static byte[] BindingRequest(out byte[] transactionId, byte[]? attributes = null)
    {
        attributes ??= [];
        transactionId = new byte[12];
        Random.Shared.NextBytes(transactionId);
        byte[] m = new byte[20 + attributes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(m, 0x0001);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)attributes.Length);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), Cookie);
        transactionId.CopyTo(m, 8);
        attributes.CopyTo(m, 20);
        return m;
    }

    /// <summary>The mapped address of a Binding success response for <paramref name="transactionId"/>; fails the test otherwise.</summary>
    public static IPEndPoint MappedAddress(ReadOnlySpan<byte> response, byte[] transactionId)
    {
        Assert.True(response.Length >= 20, "short STUN response");
        Assert.Equal(0x0101, BinaryPrimitives.ReadUInt16BigEndian(response));
        Assert.Equal(response.Length - 20, BinaryPrimitives.ReadUInt16BigEndian(response[2..]));
        Assert.Equal(Cookie, BinaryPrimitives.ReadUInt32BigEndian(response[4..]));
        Assert.True(response.Slice(8, 12).SequenceEqual(transactionId), "transaction id not echoed");
        int at = 20;
        while (at + 4 <= response.Length)
        {
            int type = BinaryPrimitives.ReadUInt16BigEndian(response[at..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(response[(at + 2)..]);
            ReadOnlySpan<byte> value = response.Slice(at + 4, length);
            if (type == 0x0020)
            {
                int port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]) ^ (int)(Cookie >> 16);
                byte[] key = new byte[16];
                BinaryPrimitives.WriteUInt32BigEndian(key, Cookie);
                transactionId.CopyTo(key, 4);
                byte[] address = value[4..].ToArray();
                for (int i = 0; i < address.Length; i++)
                {
                    address[i] ^= key[i];
                }

                Assert.Equal(value[1] == 1 ? 4 : 16, address.Length);
                return new IPEndPoint(new IPAddress(address), port);
            }

            at += 4 + ((length + 3) & ~3);
        }

        Assert.Fail("no XOR-MAPPED-ADDRESS");
        return null!;
    }
}
