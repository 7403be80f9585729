namespace Hyperproxy.Management.Http;

/// <summary>One parsed HTTP/1.1 request: method, path (without the query), query, headers (lower-case names), body.</summary>
public sealed class HttpRequest
{
    public required string Method { get; init; }

    public required string Path { get; init; }

    public string Query { get; init; } = string.Empty;

    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public byte[] Body { get; init; } = [];

    public string? Header(string name) => Headers.TryGetValue(name, out string? v) ? v : null;
}
