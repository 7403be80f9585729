using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Hyperproxy.Integration.Tests.Management;

/// <summary>
/// A pcap reader written from the file format (libpcap's classic header, link types RAW 101 and
/// Ethernet 1, IPv4/IPv6 + UDP), independent of the server's writer: what Wireshark and tcpdump would read.
/// </summary>
internal sealed record PcapPacket(long UnixMicros, string Source, int SourcePort, string Destination, int DestinationPort, string Payload)
{
    public static List<PcapPacket> ReadAll(byte[] file)
    {
        Assert.True(file.Length >= 24, "a pcap file has a 24-byte header");
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        Assert.Equal(0xa1b2c3d4u, magic);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(4)));
        uint link = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20));
        Assert.True(link is 101 or 1, $"link type {link}");
        var packets = new List<PcapPacket>();
        int at = 24;
        while (at < file.Length)
        {
            Assert.True(at + 16 <= file.Length, "a record header is whole");
            uint seconds = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at));
            uint micros = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 4));
            int captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8));
            Assert.True(at + 16 + captured <= file.Length, "a record is whole");
            ReadOnlySpan<byte> ip = file.AsSpan(at + 16, captured);
            if (link == 1)
                ip = ip[14..];
            int version = ip[0] >> 4;
            int header;
            string source, destination;
            if (version == 4)
            {
                header = (ip[0] & 0x0f) * 4;
                Assert.Equal(17, ip[9]);
                source = new IPAddress(ip.Slice(12, 4)).ToString();
                destination = new IPAddress(ip.Slice(16, 4)).ToString();
            }
            else
            {
                Assert.Equal(6, version);
                header = 40;
                Assert.Equal(17, ip[6]);
                source = new IPAddress(ip.Slice(8, 16)).ToString();
                destination = new IPAddress(ip.Slice(24, 16)).ToString();
            }

            ReadOnlySpan<byte> udp = ip[header..];
            int udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
            Assert.Equal(udp.Length, udpLength);
            packets.Add(new PcapPacket(seconds * 1_000_000L + micros, source, BinaryPrimitives.ReadUInt16BigEndian(udp),
                destination, BinaryPrimitives.ReadUInt16BigEndian(udp[2..]), Encoding.UTF8.GetString(udp[8..udpLength])));
            at += 16 + captured;
        }

        return packets;
    }
}
