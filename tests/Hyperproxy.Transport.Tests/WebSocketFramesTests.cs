using System.Text;
using Hyperproxy.Transport.Streams;

namespace Hyperproxy.Transport.Tests;

public sealed class WebSocketFramesTests
{
    private static byte[] Masked(byte first, byte[] payload, uint key = 0x11223344)
    {
        var frame = new List<byte> { first };
        if (payload.Length < 126)
        {
            frame.Add((byte)(0x80 | payload.Length));
        }
        else
        {
            frame.Add(0x80 | 126);
            frame.Add((byte)(payload.Length >> 8));
            frame.Add((byte)payload.Length);
        }

        byte[] k = [(byte)(key >> 24), (byte)(key >> 16), (byte)(key >> 8), (byte)key];
        frame.AddRange(k);
        for (int i = 0; i < payload.Length; i++)
        {
            frame.Add((byte)(payload[i] ^ k[i & 3]));
        }

        return [.. frame];
    }

    [Fact]
    public void AMaskedTextFrameDecodesAndUnmasksAtEveryLengthForm()
    {
        foreach (int size in (int[])[0, 5, 125, 126, 300, 16000])
        {
            byte[] payload = Encoding.ASCII.GetBytes(new string('x', size));
            byte[] frame = Masked(0x81, payload);
            Assert.Equal(WebSocketFrameStatus.Frame, WebSocketFrames.Decode(frame, 16384, out WebSocketFrame f, out _));
            Assert.Equal(frame.Length, f.HeaderLength + f.PayloadLength);
            byte[] plain = new byte[f.PayloadLength];
            WebSocketFrames.Unmask(frame, f, plain);
            Assert.Equal(payload, plain);
        }
    }

    [Fact]
    public void EveryPrefixOfAFrameNeedsMore()
    {
        byte[] frame = Masked(0x81, Encoding.ASCII.GetBytes(new string('y', 200)));
        for (int cut = 0; cut < frame.Length; cut++)
        {
            Assert.Equal(WebSocketFrameStatus.NeedMore, WebSocketFrames.Decode(frame.AsSpan(0, cut), 16384, out _, out _));
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x81, 0x02, (byte)'h', (byte)'i' }, WebSocketFrames.ProtocolError)] // unmasked from a client
    [InlineData(new byte[] { 0x01, 0x80, 0, 0, 0, 0 }, WebSocketFrames.PolicyViolation)] // FIN=0: fragments not supported
    [InlineData(new byte[] { 0x80, 0x80, 0, 0, 0, 0 }, WebSocketFrames.PolicyViolation)] // a continuation frame
    [InlineData(new byte[] { 0x83, 0x80, 0, 0, 0, 0 }, WebSocketFrames.ProtocolError)] // reserved opcode
    [InlineData(new byte[] { 0xC1, 0x80, 0, 0, 0, 0 }, WebSocketFrames.ProtocolError)] // RSV1 without an extension
    [InlineData(new byte[] { 0x89, 0xFE, 0x00, 0x7E, 0, 0, 0, 0 }, WebSocketFrames.ProtocolError)] // a 126-byte ping
    [InlineData(new byte[] { 0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0 }, WebSocketFrames.MessageTooBig)] // 65536 bytes
    public void BadFramesFailWithTheirCloseCode(byte[] frame, ushort code)
    {
        Assert.Equal(WebSocketFrameStatus.Fail, WebSocketFrames.Decode(frame, 16384, out _, out ushort closeCode));
        Assert.Equal(code, closeCode);
    }

    [Theory]
    [InlineData(5, 2)]
    [InlineData(126, 4)]
    [InlineData(70000, 10)]
    public void ServerFramesAreUnmaskedWithTheShortestLength(int length, int headerLength)
    {
        byte[] header = new byte[10];
        Assert.Equal(headerLength, WebSocketFrames.WriteHeader(WebSocketFrames.Text, length, header));
        Assert.Equal(0x81, header[0]);
        Assert.Equal(0, header[1] & 0x80);
    }

    [Fact]
    public void TheAcceptValueIsRfc6455sExample() =>
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketHandshake.AcceptValue("dGhlIHNhbXBsZSBub25jZQ=="));

    [Theory]
    [InlineData("Sec-WebSocket-Protocol: sip\r\n", true)]
    [InlineData("Sec-WebSocket-Protocol: chat, sip\r\n", true)]
    [InlineData("Sec-WebSocket-Protocol: chat\r\n", false)]
    [InlineData("", false)]
    public void TheUpgradeNeedsTheSipSubprotocol(string protocolLine, bool accepted)
    {
        string request = "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://h\r\n" + protocolLine + "\r\n";
        Assert.Equal(accepted, WebSocketHandshake.TryAccept(Encoding.ASCII.GetBytes(request), requireOrigin: true, out byte[] response, out _));
        Assert.StartsWith(accepted ? "HTTP/1.1 101 " : "HTTP/1.1 400 ", Encoding.ASCII.GetString(response), StringComparison.Ordinal);
    }

    [Fact]
    public void TheOriginIsRequiredOnlyWhenAsked()
    {
        byte[] request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n");
        Assert.False(WebSocketHandshake.TryAccept(request, requireOrigin: true, out _, out string? error));
        Assert.Equal("no Origin", error);
        Assert.True(WebSocketHandshake.TryAccept(request, requireOrigin: false, out _, out _));
    }
}
