using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Hosting;

namespace Hyperproxy.Management.Http;

/// <summary>
/// The management HTTP/1.1 server (the httpd module): one accept thread and one short-lived thread per
/// connection, never a worker. Written by hand on a socket rather than Kestrel or HttpListener: it serves a
/// few local routes (MI, /metrics, the dashboard), so the whole of ASP.NET Core would be start-up time and
/// thread-pool work next to the workers for nothing, and HttpListener gives no say over header size, body size
/// or read time. Every limit is explicit: request head ≤ 16 KiB (431), body ≤ <see cref="MaxBody"/> (413),
/// <see cref="Timeout"/> to send the request (408), at most <see cref="MaxConnections"/> at once (503 beyond),
/// one request per connection (Connection: close). Bad requests get a 4xx with the reason in the body.
/// </summary>
public sealed class HttpServer : IDisposable
{
    public const int MaxHead = 16 * 1024;
    private readonly Socket _listener;
    private readonly List<(string Path, bool Prefix, IHttpRoute Route)> _routes = [];
    private readonly CancellationTokenSource _stop = new();
    private Thread? _accept;
    private int _active;

    public HttpServer(IPEndPoint endpoint)
    {
        _listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(endpoint);
            _listener.Listen(64);
        }
        catch (SocketException e)
        {
            _listener.Dispose();
            throw new StartupException($"httpd: cannot listen on {endpoint}: {e.Message}", e);
        }

        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public int MaxBody { get; init; } = 1024 * 1024;

    public int MaxConnections { get; init; } = 32;

    /// <summary>Requests answered, and refused or failed (for the httpd statistics).</summary>
    public long Served => Volatile.Read(ref _served);

    public long Rejected => Volatile.Read(ref _rejected);

    private long _served;
    private long _rejected;

    /// <summary>Serves <paramref name="route"/> at <paramref name="path"/> (<c>/mi</c>), or under it when <paramref name="prefix"/>.</summary>
    public void Map(string path, IHttpRoute route, bool prefix = false) => _routes.Add((path, prefix, route));

    public void Start()
    {
        _accept = new Thread(AcceptLoop) { Name = "hp-httpd", IsBackground = true };
        _accept.Start();
    }

    private void AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                if (!_listener.Poll(200_000, SelectMode.SelectRead))
                    continue;
                client = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_stop.IsCancellationRequested)
                    return;
                continue;
            }

            if (Interlocked.Increment(ref _active) > MaxConnections)
            {
                Interlocked.Decrement(ref _active);
                Interlocked.Increment(ref _rejected);
                using (client)
                    TryWrite(client, HttpResponse.Text(503, "too many management connections at once"));
                continue;
            }

            var thread = new Thread(() => Serve(client)) { Name = "hp-httpd-conn", IsBackground = true };
            thread.Start();
        }
    }

    private void Serve(Socket client)
    {
        try
        {
            client.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
            client.SendTimeout = (int)Timeout.TotalMilliseconds;
            client.NoDelay = true;
            (HttpRequest? request, HttpResponse? error) = Read(client);
            if (request is null)
            {
                Interlocked.Increment(ref _rejected);
                if (error is not null)
                {
                    TryWrite(client, error);
                    Drain(client);
                }

                return;
            }

            IHttpRoute? route = FindRoute(request.Path);
            if (route is null)
            {
                Interlocked.Increment(ref _rejected);
                TryWrite(client, HttpResponse.Text(404, $"nothing is served at {request.Path}"));
                return;
            }

            HttpResponse? response;
            try
            {
                response = route.Handle(request);
            }
            catch (Exception e)
            {
                Log.Error($"httpd: {request.Method} {request.Path} failed: {e.GetType().Name}: {e.Message}");
                response = HttpResponse.Text(500, "the request failed: " + e.Message);
            }

            Interlocked.Increment(ref _served);
            if (response is not null)
            {
                TryWrite(client, response);
                return;
            }

            client.SendTimeout = 0;
            using var stream = new NetworkStream(client, ownsSocket: false);
            try
            {
                route.Stream(request, stream, _stop.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // the client left or the server stops
            }
        }
        finally
        {
            Interlocked.Decrement(ref _active);
            try
            {
                client.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }

            client.Dispose();
        }
    }

    private IHttpRoute? FindRoute(string path)
    {
        foreach (var (p, prefix, route) in _routes)
        {
            if (path == p || (prefix && path.StartsWith(p.EndsWith('/') ? p : p + "/", StringComparison.Ordinal)))
                return route;
        }

        return null;
    }

    /// <summary>Reads one request within the limits; on failure the error response to send (null: the client is gone).</summary>
    private (HttpRequest?, HttpResponse?) Read(Socket client)
    {
        byte[] head = new byte[MaxHead];
        int length = 0;
        int end;
        long deadline = Environment.TickCount64 + (long)Timeout.TotalMilliseconds;
        while ((end = head.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (length > 0 && Environment.TickCount64 > deadline)
                return (null, HttpResponse.Text(408, "the request did not arrive in time"));
            if (length == head.Length)
                return (null, HttpResponse.Text(431, $"the request head is larger than {MaxHead} bytes"));
            int n;
            try
            {
                n = client.Receive(head, length, head.Length - length, SocketFlags.None);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                return (null, length == 0 ? null : HttpResponse.Text(408, "the request did not arrive in time"));
            }

            if (n == 0)
                return (null, length == 0 ? null : HttpResponse.Text(400, "the connection closed inside the request head"));
            length += n;
        }

        string text = Encoding.Latin1.GetString(head, 0, end);
        string[] lines = text.Split("\r\n");
        string[] start = lines[0].Split(' ');
        if (start.Length != 3 || start[0].Length == 0 || !start[1].StartsWith('/'))
            return (null, HttpResponse.Text(400, "malformed request line (expected: METHOD /path HTTP/1.1)"));
        if (start[2] is not ("HTTP/1.1" or "HTTP/1.0"))
            return (null, HttpResponse.Text(505, $"{start[2]} is not served; use HTTP/1.1"));
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i < lines.Length; i++)
        {
            int colon = lines[i].IndexOf(':');
            if (colon <= 0 || lines[i][..colon].Contains(' ', StringComparison.Ordinal))
                return (null, HttpResponse.Text(400, $"malformed header line {i + 1}"));
            headers[lines[i][..colon].ToLowerInvariant()] = lines[i][(colon + 1)..].Trim();
        }

        if (headers.ContainsKey("transfer-encoding"))
            return (null, HttpResponse.Text(501, "chunked request bodies are not accepted; send Content-Length"));
        int contentLength = 0;
        if (headers.TryGetValue("content-length", out string? cl) && (!int.TryParse(cl, out contentLength) || contentLength < 0))
            return (null, HttpResponse.Text(400, $"bad Content-Length '{cl}'"));
        if (contentLength > MaxBody)
            return (null, HttpResponse.Text(413, $"the body is larger than {MaxBody} bytes"));
        byte[] body = new byte[contentLength];
        int have = Math.Min(length - (end + 4), contentLength);
        head.AsSpan(end + 4, have).CopyTo(body);
        while (have < contentLength)
        {
            if (Environment.TickCount64 > deadline)
                return (null, HttpResponse.Text(408, "the request body did not arrive in time"));
            int n;
            try
            {
                n = client.Receive(body, have, contentLength - have, SocketFlags.None);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                return (null, HttpResponse.Text(408, "the request body did not arrive in time"));
            }

            if (n == 0)
                return (null, HttpResponse.Text(400, "the connection closed inside the body"));
            have += n;
        }

        string target = start[1];
        int q = target.IndexOf('?');
        return (new HttpRequest
        {
            Method = start[0],
            Path = q < 0 ? target : target[..q],
            Query = q < 0 ? string.Empty : target[(q + 1)..],
            Headers = headers,
            Body = body,
        }, null);
    }

    /// <summary>The head of a response (status line, type, length, close) as bytes.</summary>
    public static byte[] Head(int status, string contentType, long? length, IEnumerable<string>? extra = null)
    {
        var sb = new StringBuilder();
        sb.Append("HTTP/1.1 ").Append(status).Append(' ').Append(HttpResponse.Reason(status)).Append("\r\n");
        sb.Append("Server: hyperproxy/").Append(VersionInfo.Version).Append("\r\n");
        sb.Append("Content-Type: ").Append(contentType).Append("\r\n");
        if (length is { } l)
            sb.Append("Content-Length: ").Append(l).Append("\r\n");
        sb.Append("Cache-Control: no-store\r\nConnection: close\r\n");
        foreach (string h in extra ?? [])
            sb.Append(h).Append("\r\n");
        sb.Append("\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    /// <summary>After an error answer: stop sending, then read what the client still sends (bounded) so that closing
    /// does not reset the connection before the client has read the answer.</summary>
    private static void Drain(Socket client)
    {
        try
        {
            client.Shutdown(SocketShutdown.Send);
            client.ReceiveTimeout = 500;
            byte[] sink = new byte[16 * 1024];
            for (int i = 0; i < 64 && client.Receive(sink) > 0; i++)
            {
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private static void TryWrite(Socket client, HttpResponse response)
    {
        try
        {
            client.Send(Head(response.Status, response.ContentType, response.Body.Length, response.Headers));
            client.Send(response.Body);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // the client left
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _accept?.Join(TimeSpan.FromSeconds(2));
        _stop.Dispose();
    }
}
