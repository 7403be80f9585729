using Hyperproxy.Location.Records;
using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Modules.Nathelper;

public sealed partial class NatPinger
{
    /// <summary>
    /// A SIP ping (spec §1.3): <c>sipping_method</c> to the contact, our Via with a branch that names the
    /// contact's slot and the ping's sequence, the stored Path as a Route, From <c>sipping_from</c>, To the
    /// contact. -1 when it does not fit a ring slot.
    /// </summary>
    private int WriteSipPing(Span<byte> slot, in ContactView c, in NatPingSocket socket, int index, int seq)
    {
        var w = new LineWriter(slot);
        Span<byte> number = stackalloc byte[12];
        ReadOnlySpan<byte> method = _module.SippingMethodBytes;
        w.Append(method);
        w.Append((byte)' ');
        w.Append(c.Contact);
        w.Append(" SIP/2.0\r\nVia: SIP/2.0/UDP "u8);
        w.Append(socket.AdvertisedHost);
        w.Append((byte)':');
        w.Append(number[..ScriptText.WriteInt(socket.AdvertisedPort, number)]);
        w.Append(";branch="u8);
        w.Append(BranchPrefix);
        w.Append(number[..Hex((uint)index, number)]);
        w.Append((byte)'.');
        w.Append(number[..Hex((uint)seq, number)]);
        w.Append("\r\n"u8);
        if (c.PathCount > 0)
        {
            w.Append("Route: "u8);
            bool first = true;
            foreach (ReadOnlySpan<byte> uri in c.Path)
            {
                if (!first)
                {
                    w.Append((byte)',');
                }

                first = false;
                w.Append((byte)'<');
                w.Append(uri);
                w.Append((byte)'>');
            }

            w.Append("\r\n"u8);
        }

        w.Append("From: <"u8);
        w.Append(_module.SippingFromBytes);
        w.Append(">;tag="u8);
        w.Append(number[..Hex((uint)seq, number)]);
        w.Append("\r\nTo: <"u8);
        w.Append(c.Contact);
        w.Append(">\r\nCall-ID: nhp-"u8);
        w.Append(number[..Hex((uint)index, number)]);
        w.Append((byte)'-');
        w.Append(number[..Hex((uint)seq, number)]);
        w.Append((byte)'@');
        w.Append(socket.AdvertisedHost);
        w.Append("\r\nCSeq: 1 "u8);
        w.Append(method);
        w.Append("\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"u8);
        return w.Length;
    }

    private static int Hex(uint value, Span<byte> destination)
    {
        int n = 0;
        int shift = 28;
        while (shift > 0 && (value >> shift) == 0)
        {
            shift -= 4;
        }

        for (; shift >= 0; shift -= 4)
        {
            destination[n++] = (byte)"0123456789abcdef"[(int)((value >> shift) & 0xF)];
        }

        return n;
    }
}
