using System.Buffers.Binary;
using Hyperproxy.Sip;
using Hyperproxy.Transport.Streams;

namespace Hyperproxy.Fuzz.Targets;

/// <summary>
/// The connection-oriented framing (src/Hyperproxy.Transport/Streams) as a connection's read loop uses it, without a
/// socket. Byte 0 picks the transport (even: SIP over TCP, odd: WebSocket), byte 1 the size of the chunks the bytes
/// after it arrive in (1..256), so messages split anywhere. TCP: <see cref="SipStreamFramer.Frame"/> until it needs
/// more or ends the connection, every cut message through the SIP parser, a 400 written for a bad Content-Length.
/// WebSocket: the HTTP upgrade (<see cref="WebSocketHandshake.TryAccept"/>), then <see cref="WebSocketFrames.Decode"/>
/// with unmasking into buffers of the connection's sizes, pong and close answers. A cut of zero bytes that is not
/// "need more", or one past the data, is a bug (a connection that would spin or over-read) and throws.
/// </summary>
public sealed class StreamTarget : IFuzzTarget
{
    private const int MaxHeaderBytes = 8192;
    private const int MaxMessageBytes = 65535;

    private readonly ParserTarget _parser = new();
    private readonly SipMessage _message = new();
    private readonly byte[] _copy = new byte[MaxMessageBytes + 16];
    private readonly byte[] _reply = new byte[8192];

    public long Sink { get; private set; }

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }

        bool webSocket = (input[0] & 1) != 0;
        int chunk = input[1] + 1;
        ReadOnlySpan<byte> stream = input[2..];
        int consumed = 0;
        int available = Math.Min(chunk, stream.Length);
        bool open = false;
        for (int turn = 0; turn < 100_000; turn++)
        {
            int used = webSocket
                ? open ? CutFrame(stream[consumed..available]) : Handshake(stream[consumed..available], ref open)
                : CutMessage(stream[consumed..available]);
            if (used < 0)
            {
                return; // the connection ends
            }

            if (used == 0)
            {
                if (available == stream.Length)
                {
                    return; // the peer stopped sending mid-message
                }

                available = Math.Min(available + chunk, stream.Length);
                continue;
            }

            if (used > available - consumed)
            {
                throw new InvalidOperationException($"cut {used} bytes with only {available - consumed} read");
            }

            consumed += used;
        }

        throw new InvalidOperationException("100000 turns on one input: the framing does not advance");
    }

    public void Dispose()
    {
    }

    private int CutMessage(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        FrameResult frame = SipStreamFramer.Frame(data, MaxHeaderBytes, MaxMessageBytes, out int length);
        switch (frame)
        {
            case FrameResult.NeedMore:
                return 0;
            case FrameResult.Skip or FrameResult.Ping:
                return length > 0 ? length : throw new InvalidOperationException($"{frame} of 0 bytes");
            case FrameResult.Message:
                if (length <= 0)
                {
                    throw new InvalidOperationException("a message of 0 bytes");
                }

                Deliver(data[..length]);
                return length;
            case FrameResult.MissingContentLength or FrameResult.BadContentLength:
                ReadOnlySpan<byte> reason = frame == FrameResult.MissingContentLength ? "Missing Content-Length"u8 : "Bad Content-Length"u8;
                Sink += StreamReplies.WriteBadRequest(data[..length], reason, _reply);
                return -1;
            default:
                return -1;
        }
    }

    private int Handshake(ReadOnlySpan<byte> data, ref bool open)
    {
        int window = Math.Min(data.Length, MaxHeaderBytes + 4);
        int end = data[..window].IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return data.Length < MaxHeaderBytes + 4 ? 0 : -1;
        }

        bool accepted = WebSocketHandshake.TryAccept(data[..(end + 4)], requireOrigin: (data.Length & 1) != 0, out byte[] response, out _);
        Sink += response.Length;
        open = accepted;
        return accepted ? end + 4 : -1;
    }

    private int CutFrame(ReadOnlySpan<byte> data)
    {
        switch (WebSocketFrames.Decode(data, MaxMessageBytes, out WebSocketFrame frame, out ushort code))
        {
            case WebSocketFrameStatus.NeedMore:
                return 0;
            case WebSocketFrameStatus.Fail:
                Sink += code;
                return -1;
        }

        int used = frame.HeaderLength + frame.PayloadLength;
        if (used <= 0 || used > data.Length)
        {
            throw new InvalidOperationException($"a frame of {used} bytes out of {data.Length}");
        }

        switch (frame.Opcode)
        {
            case WebSocketFrames.Text or WebSocketFrames.Binary:
                WebSocketFrames.Unmask(data, frame, _copy);
                Deliver(_copy.AsSpan(0, frame.PayloadLength));
                return used;
            case WebSocketFrames.Ping:
            {
                Span<byte> payload = stackalloc byte[125];
                WebSocketFrames.Unmask(data, frame, payload);
                Span<byte> header = stackalloc byte[2];
                Sink += WebSocketFrames.WriteHeader(WebSocketFrames.Pong, frame.PayloadLength, header) + payload[..frame.PayloadLength].Length;
                return used;
            }

            case WebSocketFrames.Close:
            {
                Span<byte> payload = stackalloc byte[125];
                WebSocketFrames.Unmask(data, frame, payload);
                Sink += frame.PayloadLength >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : WebSocketFrames.NormalClosure;
                return -1;
            }

            default:
                return used;
        }
    }

    /// <summary>What the worker does with a cut message: parse it (the pipeline target covers the rest).</summary>
    private void Deliver(ReadOnlySpan<byte> message)
    {
        byte[] bytes = message.ToArray();
        Sink += (int)_parser.Walk(_message, bytes, bytes.Length);
    }
}
