using System.Buffers.Binary;

namespace Hyperproxy.Transport.Streams;

/// <summary>What <see cref="WebSocketFrames.Decode"/> found.</summary>
public enum WebSocketFrameStatus : byte
{
    NeedMore,
    Frame,

    /// <summary>The connection must be failed with the close code given (RFC 6455 §7.4.1).</summary>
    Fail,
}

/// <summary>One decoded frame header (RFC 6455 §5.2).</summary>
public readonly record struct WebSocketFrame(bool Fin, byte Opcode, int HeaderLength, int PayloadLength, uint MaskKey);

/// <summary>
/// RFC 6455 framing as a SIP server uses it (RFC 7118): frames from a client must be masked, frames to a client are not;
/// one SIP message per (unfragmented) text or binary frame; close/ping/pong control frames. Pure and allocation-free.
/// </summary>
public static class WebSocketFrames
{
    public const byte Continuation = 0x0;
    public const byte Text = 0x1;
    public const byte Binary = 0x2;
    public const byte Close = 0x8;
    public const byte Ping = 0x9;
    public const byte Pong = 0xA;

    public const ushort NormalClosure = 1000;
    public const ushort ProtocolError = 1002;
    public const ushort PolicyViolation = 1008;
    public const ushort MessageTooBig = 1009;

    /// <summary>
    /// Reads the frame at the start of <paramref name="data"/> (from a client). <paramref name="closeCode"/> is set for
    /// <see cref="WebSocketFrameStatus.Fail"/>: an unmasked frame, an unknown opcode or reserved bits (1002), a fragmented
    /// message (1008, not supported, as in OpenSIPS), a payload over <paramref name="maxPayload"/> (1009).
    /// </summary>
    public static WebSocketFrameStatus Decode(ReadOnlySpan<byte> data, int maxPayload, out WebSocketFrame frame, out ushort closeCode)
    {
        frame = default;
        closeCode = 0;
        if (data.Length < 2)
            return WebSocketFrameStatus.NeedMore;
        byte b0 = data[0];
        byte b1 = data[1];
        bool fin = (b0 & 0x80) != 0;
        byte opcode = (byte)(b0 & 0x0F);
        if ((b0 & 0x70) != 0 || opcode is not (Continuation or Text or Binary or Close or Ping or Pong))
        {
            closeCode = ProtocolError;
            return WebSocketFrameStatus.Fail;
        }
        if ((b1 & 0x80) == 0)
        {
            closeCode = ProtocolError; // §5.1: a server MUST close on an unmasked frame
            return WebSocketFrameStatus.Fail;
        }
        bool control = opcode >= Close;
        if (!fin || opcode == Continuation)
        {
            closeCode = control ? ProtocolError : PolicyViolation;
            return WebSocketFrameStatus.Fail;
        }

        long length = b1 & 0x7F;
        int header = 2;
        if (length == 126)
        {
            if (data.Length < 4)
                return WebSocketFrameStatus.NeedMore;
            length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            header = 4;
        }
        else if (length == 127)
        {
            if (data.Length < 10)
                return WebSocketFrameStatus.NeedMore;
            ulong l = BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
            length = l > long.MaxValue ? long.MaxValue : (long)l;
            header = 10;
        }
        if (control && length > 125)
        {
            closeCode = ProtocolError;
            return WebSocketFrameStatus.Fail;
        }
        if (length > maxPayload)
        {
            closeCode = MessageTooBig;
            return WebSocketFrameStatus.Fail;
        }
        if (data.Length < header + 4)
            return WebSocketFrameStatus.NeedMore;
        uint mask = BinaryPrimitives.ReadUInt32BigEndian(data[header..]);
        header += 4;
        if (data.Length < header + length)
            return WebSocketFrameStatus.NeedMore;
        frame = new WebSocketFrame(fin, opcode, header, (int)length, mask);
        return WebSocketFrameStatus.Frame;
    }

    /// <summary>Copies the payload of <paramref name="frame"/> unmasked into <paramref name="destination"/>.</summary>
    public static void Unmask(ReadOnlySpan<byte> data, in WebSocketFrame frame, Span<byte> destination)
    {
        ReadOnlySpan<byte> payload = data.Slice(frame.HeaderLength, frame.PayloadLength);
        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(key, frame.MaskKey);
        for (int i = 0; i < payload.Length; i++)
            destination[i] = (byte)(payload[i] ^ key[i & 3]);
    }

    /// <summary>Writes an unmasked, final frame header for a payload of <paramref name="length"/> bytes; returns its size (2, 4 or 10).</summary>
    public static int WriteHeader(byte opcode, int length, Span<byte> destination)
    {
        destination[0] = (byte)(0x80 | opcode);
        if (length < 126)
        {
            destination[1] = (byte)length;
            return 2;
        }
        if (length <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
            return 4;
        }
        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)length);
        return 10;
    }
}
