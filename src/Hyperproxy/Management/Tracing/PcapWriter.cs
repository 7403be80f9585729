using System.Buffers.Binary;
using System.Net;
using Hyperproxy.Script.Tracing;
using Hyperproxy.Sip;

namespace Hyperproxy.Management.Tracing;

/// <summary>
/// A pcap file Wireshark opens (tracer's <c>pcap:PATH</c> destination): the classic header with link type
/// RAW (101, each record an IP packet), each traced message as an IPv4 or IPv6 + UDP datagram with its real
/// addresses, ports and time (UDP checksum 0: not computed).
/// </summary>
public sealed class PcapWriter : IDisposable
{
    private readonly FileStream _file;

    public PcapWriter(string path)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xa1b2c3d4);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], 101);
        _file.Write(header);
        _file.Flush();
    }

    public void Write(in TraceHeader h, ReadOnlySpan<byte> message)
    {
        bool v6 = h.Source.Family == NetAddressFamily.IPv6;
        int ipHeader = v6 ? 40 : 20;
        int length = Math.Min(ipHeader + 8 + message.Length, 65535);
        byte[] record = new byte[16 + length];
        Span<byte> r = record;
        BinaryPrimitives.WriteUInt32LittleEndian(r, (uint)(h.UnixMicros / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(r[4..], (uint)(h.UnixMicros % 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(r[8..], (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(r[12..], (uint)length);
        Span<byte> ip = r[16..];
        if (v6)
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(length - 40));
            ip[6] = 17;
            ip[7] = 64;
            Address(h.Source).CopyTo(ip[8..]);
            Address(h.Destination).CopyTo(ip[24..]);
        }
        else
        {
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)length);
            ip[8] = 64;
            ip[9] = 17;
            Address(h.Source).CopyTo(ip[12..]);
            Address(h.Destination).CopyTo(ip[16..]);
            uint sum = 0;
            for (int i = 0; i < 20; i += 2)
                sum += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
            while (sum > 0xffff)
                sum = (sum & 0xffff) + (sum >> 16);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~sum);
        }

        Span<byte> udp = ip[ipHeader..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)h.Source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], (ushort)h.Destination.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(length - ipHeader));
        message[..(length - ipHeader - 8)].CopyTo(udp[8..]);
        _file.Write(record);
        _file.Flush();
    }

    private static byte[] Address(in NetAddress a)
    {
        Span<byte> text = stackalloc byte[64];
        bool v6 = a.Family == NetAddressFamily.IPv6;
        if (a.TryFormatHost(text, out int n)
            && IPAddress.TryParse(System.Text.Encoding.ASCII.GetString(text[..n]).Trim('[', ']').Split('%')[0], out IPAddress? ip))
            return ip.GetAddressBytes();
        return new byte[v6 ? 16 : 4];
    }

    public void Dispose() => _file.Dispose();
}
