using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Hyperproxy.Integration.Tests.Infrastructure;

/// <summary>A SIP peer on one TCP (or TLS) connection: sends text, reads whole messages by Content-Length, with bounds.</summary>
internal sealed partial class TcpSipClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly List<byte> _pending = [];

    private TcpSipClient(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public string SentBy => $"{LocalEndPoint.Address}:{LocalEndPoint.Port}";

    public static async Task<TcpSipClient> ConnectAsync(IPEndPoint server, bool tls = false)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(DefaultWait);
        await socket.ConnectAsync(server, cts.Token);
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        if (tls)
        {
            var ssl = new SslStream(stream, false, (_, _, _, _) => true);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, cts.Token);
            stream = ssl;
        }

        return new TcpSipClient(socket, stream);
    }

    /// <summary>Wraps an accepted socket (a test server's side).</summary>
    public static TcpSipClient Accepted(Socket socket) => new(socket, new NetworkStream(socket, ownsSocket: false));

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>The next whole SIP message (leading CR/LF skipped), or null when the bound passed or the peer closed.</summary>
    public async Task<string?> ReceiveAsync(TimeSpan? bound = null)
    {
        using var cts = new CancellationTokenSource(bound ?? DefaultWait);
        byte[] buffer = new byte[8192];
        while (true)
        {
            while (_pending.Count > 0 && (_pending[0] == '\r' || _pending[0] == '\n'))
            {
                _pending.RemoveAt(0);
            }

            string text = Encoding.UTF8.GetString([.. _pending]);
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                Match cl = ContentLength().Match(text[..end]);
                int length = end + 4 + (cl.Success ? int.Parse(cl.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0);
                if (_pending.Count >= length)
                {
                    string message = Encoding.UTF8.GetString([.. _pending.GetRange(0, length)]);
                    _pending.RemoveRange(0, length);
                    return message;
                }
            }

            int n;
            try
            {
                n = await _stream.ReadAsync(buffer, cts.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                return null;
            }

            if (n == 0)
            {
                return null;
            }

            _pending.AddRange(buffer.AsSpan(0, n).ToArray());
        }
    }

    /// <summary>Raw bytes as they come (for the CRLF pong), up to <paramref name="count"/>; empty on timeout or close.</summary>
    public async Task<byte[]> ReceiveRawAsync(int count, TimeSpan? bound = null)
    {
        using var cts = new CancellationTokenSource(bound ?? DefaultWait);
        byte[] buffer = new byte[count];
        int have = 0;
        try
        {
            while (have < count)
            {
                int n = await _stream.ReadAsync(buffer.AsMemory(have), cts.Token);
                if (n == 0)
                {
                    break;
                }

                have += n;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
        }

        return buffer[..have];
    }

    /// <summary>True once the server has closed the connection (a read returns 0 or fails) within the bound.</summary>
    public async Task<bool> WaitClosedAsync(TimeSpan bound)
    {
        using var cts = new CancellationTokenSource(bound);
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = await _stream.ReadAsync(buffer, cts.Token);
                if (n == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }

    [GeneratedRegex(@"(?im)^(?:content-length|l)\s*:\s*(\d+)")]
    private static partial Regex ContentLength();
}
