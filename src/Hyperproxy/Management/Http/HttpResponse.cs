using System.Text;

namespace Hyperproxy.Management.Http;

/// <summary>A whole response (status, content type, body); streams (server-sent events) write to the connection instead.</summary>
public sealed class HttpResponse
{
    public HttpResponse(int status, string contentType, byte[] body)
    {
        Status = status;
        ContentType = contentType;
        Body = body;
    }

    public int Status { get; }

    public string ContentType { get; }

    public byte[] Body { get; }

    /// <summary>Extra header lines (<c>Name: value</c>), e.g. Allow for a 405.</summary>
    public List<string> Headers { get; } = [];

    public static HttpResponse Text(int status, string text) => new(status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text + "\n"));

    public static HttpResponse Json(int status, byte[] json) => new(status, "application/json", json);

    public static string Reason(int status) => status switch
    {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    };
}
