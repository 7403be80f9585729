using System.Net.Sockets;

namespace Hyperproxy.Management.Http;

/// <summary>What the HTTP server serves under one path (or path prefix): a whole response, or a stream that owns the connection.</summary>
public interface IHttpRoute
{
    /// <summary>The answer to <paramref name="request"/>; null when <see cref="Stream"/> takes the connection over.</summary>
    HttpResponse? Handle(HttpRequest request);

    /// <summary>Writes a long-lived response (server-sent events) until the client leaves or <paramref name="stop"/> is set.</summary>
    void Stream(HttpRequest request, NetworkStream connection, CancellationToken stop) => throw new NotSupportedException();
}
