using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// SIP over WebSocket (RFC 7118, RFC 6455) against the real server: a ClientWebSocket client, the upgrade's rules, one
/// SIP message per frame, masking, ping/pong and the close handshake; a bad frame fails only its connection.
/// </summary>
public sealed class WebSocketTransportTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AWebSocketClientGetsItsOptionsAnsweredInATextFrame()
    {
        await using HyperproxyProcess server = await StartAsync();
        using ClientWebSocket ws = await ConnectAsync(server.Port);

        string request = WsRequest(server.Port, "ws1");
        await ws.SendAsync(Encoding.UTF8.GetBytes(request), WebSocketMessageType.Text, true, Cancel());
        (string reply, WebSocketMessageType type) = await ReceiveAsync(ws);

        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal(200, SipText.StatusCode(reply));
        string via = SipText.Header(reply, "Via");
        Assert.StartsWith("SIP/2.0/WS df7jal23ls0d.invalid;", via, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", SipText.Param(via, "received"));
        Assert.Equal("ws", Assert.Single(SipText.Headers(reply, "X-Proto")));
    }

    [Fact]
    public async Task ABinaryFrameCarriesASipMessageToo()
    {
        await using HyperproxyProcess server = await StartAsync();
        using ClientWebSocket ws = await ConnectAsync(server.Port);

        await ws.SendAsync(Encoding.UTF8.GetBytes(WsRequest(server.Port, "bin1")), WebSocketMessageType.Binary, true, Cancel());
        (string reply, _) = await ReceiveAsync(ws);

        Assert.Equal(200, SipText.StatusCode(reply));
    }

    [Fact]
    public async Task AnUpgradeWithoutTheSipSubprotocolGets400()
    {
        await using HyperproxyProcess server = await StartAsync();
        using var raw = new TcpClient();
        await raw.ConnectAsync(IPAddress.Loopback, server.Port);
        NetworkStream stream = raw.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://localhost\r\n\r\n"));
        string answer = await ReadAllAsync(stream);

        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Version: 13", answer, StringComparison.Ordinal);
        Assert.Contains("WebSocket handshake 1", await server.StopAndReadLogAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheUpgradeIsAnsweredWithTheAcceptKeyOfRfc6455()
    {
        await using HyperproxyProcess server = await StartAsync();
        using var raw = new TcpClient();
        await raw.ConnectAsync(IPAddress.Loopback, server.Port);
        NetworkStream stream = raw.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes(Upgrade(server.Port)));
        string answer = await ReadHeadAsync(stream);

        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", answer, StringComparison.Ordinal);
        // RFC 6455 §1.3's example key and accept value.
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", answer, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Protocol: sip", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APingIsAnsweredWithAPongAndACloseIsEchoed()
    {
        await using HyperproxyProcess server = await StartAsync();
        using var raw = new TcpClient();
        await raw.ConnectAsync(IPAddress.Loopback, server.Port);
        NetworkStream stream = raw.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Upgrade(server.Port)));
        await ReadHeadAsync(stream);

        await stream.WriteAsync(MaskedFrame(0x9, "hi"u8.ToArray()));
        byte[] pong = await ReadExactlyAsync(stream, 4);
        Assert.Equal([0x8A, 0x02, (byte)'h', (byte)'i'], pong);

        await stream.WriteAsync(MaskedFrame(0x8, [0x03, 0xE8]));
        byte[] close = await ReadExactlyAsync(stream, 4);
        Assert.Equal([0x88, 0x02, 0x03, 0xE8], close);
        Assert.Equal(0, await ReadExactlyOrClosedAsync(stream));
    }

    [Fact]
    public async Task AnUnmaskedFrameFromTheClientClosesWithProtocolErrorAndOthersAreServed()
    {
        await using HyperproxyProcess server = await StartAsync();
        using var raw = new TcpClient();
        await raw.ConnectAsync(IPAddress.Loopback, server.Port);
        NetworkStream stream = raw.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Upgrade(server.Port)));
        await ReadHeadAsync(stream);

        byte[] sip = Encoding.ASCII.GetBytes(WsRequest(server.Port, "unmasked"));
        await stream.WriteAsync((byte[])[0x81, 126, (byte)(sip.Length >> 8), (byte)sip.Length, .. sip]);
        byte[] close = await ReadExactlyAsync(stream, 4);

        Assert.Equal([0x88, 0x02, 0x03, 0xEA], close); // 1002 protocol error
        using ClientWebSocket good = await ConnectAsync(server.Port);
        await good.SendAsync(Encoding.UTF8.GetBytes(WsRequest(server.Port, "good")), WebSocketMessageType.Text, true, Cancel());
        Assert.Equal(200, SipText.StatusCode((await ReceiveAsync(good)).Text));
        Assert.Contains("WebSocket protocol 1", await server.StopAndReadLogAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x83, 1002)] // a reserved data opcode
    [InlineData(0x8B, 1002)] // a reserved control opcode
    [InlineData(0x01, 1008)] // FIN=0: a fragmented message, not supported (as in OpenSIPS)
    public async Task ABadOpcodeOrAFragmentClosesWithItsCodeAndOthersAreServed(byte firstByte, int code)
    {
        await using HyperproxyProcess server = await StartAsync();
        using var raw = new TcpClient();
        await raw.ConnectAsync(IPAddress.Loopback, server.Port);
        NetworkStream stream = raw.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Upgrade(server.Port)));
        await ReadHeadAsync(stream);

        byte[] frame = MaskedFrame(0x01, Encoding.ASCII.GetBytes("SIP?"));
        frame[0] = firstByte;
        await stream.WriteAsync(frame);
        byte[] close = await ReadExactlyAsync(stream, 4);

        Assert.Equal([0x88, 0x02, (byte)(code >> 8), (byte)code], close);
        using ClientWebSocket good = await ConnectAsync(server.Port);
        await good.SendAsync(Encoding.UTF8.GetBytes(WsRequest(server.Port, "good")), WebSocketMessageType.Text, true, Cancel());
        Assert.Equal(200, SipText.StatusCode((await ReceiveAsync(good)).Text));
        Assert.Contains("WebSocket protocol 1", await server.StopAndReadLogAsync(), StringComparison.Ordinal);
    }

    private static string WsRequest(int port, string callId) =>
        $"OPTIONS sip:127.0.0.1:{port};transport=ws SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch={SipText.NewBranch()}\r\n"
        + $"Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=w{callId}\r\nTo: <sip:127.0.0.1>\r\nCall-ID: {callId}\r\nCSeq: 1 OPTIONS\r\n\r\n";

    private static string Upgrade(int port) =>
        $"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\nOrigin: http://localhost\r\n\r\n";

    private static byte[] MaskedFrame(byte opcode, byte[] payload)
    {
        byte[] key = [0x11, 0x22, 0x33, 0x44];
        var frame = new List<byte> { (byte)(0x80 | opcode), (byte)(0x80 | payload.Length) };
        frame.AddRange(key);
        for (int i = 0; i < payload.Length; i++)
        {
            frame.Add((byte)(payload[i] ^ key[i & 3]));
        }

        return [.. frame];
    }

    private static CancellationToken Cancel() => new CancellationTokenSource(s_bound).Token;

    /// <summary>A ClientWebSocket with the <c>sip</c> subprotocol connected to ws://127.0.0.1:PORT/ (bounded).</summary>
    internal static async Task<ClientWebSocket> ConnectAsync(int port)
    {
        var ws = new ClientWebSocket();
        ws.Options.AddSubProtocol("sip");
        ws.Options.SetRequestHeader("Origin", "http://localhost");
        await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), Cancel());
        return ws;
    }

    /// <summary>One whole WebSocket message (bounded).</summary>
    internal static async Task<(string Text, WebSocketMessageType Type)> ReceiveAsync(ClientWebSocket ws)
    {
        byte[] buffer = new byte[65536];
        int have = 0;
        CancellationToken cancel = Cancel();
        while (true)
        {
            WebSocketReceiveResult r = await ws.ReceiveAsync(new ArraySegment<byte>(buffer, have, buffer.Length - have), cancel);
            have += r.Count;
            if (r.EndOfMessage)
            {
                return (Encoding.UTF8.GetString(buffer, 0, have), r.MessageType);
            }
        }
    }

    private static async Task<string> ReadAllAsync(NetworkStream stream)
    {
        using var cts = new CancellationTokenSource(s_bound);
        var all = new MemoryStream();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = await stream.ReadAsync(buffer, cts.Token)) > 0)
        {
            all.Write(buffer, 0, n);
        }

        return Encoding.ASCII.GetString(all.ToArray());
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        using var cts = new CancellationTokenSource(s_bound);
        var head = new List<byte>();
        byte[] one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, cts.Token) == 0)
            {
                break;
            }

            head.Add(one[0]);
        }

        return Encoding.ASCII.GetString([.. head]);
    }

    private static async Task<byte[]> ReadExactlyAsync(NetworkStream stream, int count)
    {
        using var cts = new CancellationTokenSource(s_bound);
        byte[] buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, cts.Token);
        return buffer;
    }

    private static async Task<int> ReadExactlyOrClosedAsync(NetworkStream stream)
    {
        using var cts = new CancellationTokenSource(s_bound);
        try
        {
            return await stream.ReadAsync(new byte[16], cts.Token);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static Task<HyperproxyProcess> StartAsync()
    {
        return HyperproxyProcess.StartOnFreePortAsync(async port =>
        {
            string path = Path.Combine(Path.GetTempPath(), $"hp-ws-{Guid.NewGuid():N}.cfg");
            await File.WriteAllTextAsync(path, $$"""
                socket = udp:127.0.0.1:{{port}}
                socket = ws:127.0.0.1:{{port}}
                loadmodule "proto_ws.so"
                loadmodule "sl.so"
                loadmodule "sipmsgops.so"
                route {
                    if (is_method("OPTIONS")) {
                        append_to_reply("X-Proto: $proto\r\n");
                        sl_send_reply(200, "OK");
                        exit;
                    }
                    sl_send_reply(404, "Not Found");
                }

                """);
            return (IReadOnlyList<string>)["--config", path, "--workers", "2"];
        });
    }
}
