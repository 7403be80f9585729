using System.Security.Cryptography;
using System.Text;

namespace Hyperproxy.Transport.Streams;

/// <summary>
/// The server side of the RFC 6455 §4.2 opening handshake for SIP (RFC 7118 §4): an HTTP/1.1 GET with Host, Upgrade:
/// websocket, Connection: Upgrade, a 24-character Sec-WebSocket-Key, Sec-WebSocket-Version: 13, Sec-WebSocket-Protocol
/// naming <c>sip</c>, and Origin when required. Answered 101 with Sec-WebSocket-Accept, else 400 with
/// Sec-WebSocket-Version: 13. Once per connection (cold path).
/// </summary>
public static class WebSocketHandshake
{
    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>The answer to <paramref name="request"/> (the bytes up to and with the empty line) and whether it opened the connection.</summary>
    public static bool TryAccept(ReadOnlySpan<byte> request, bool requireOrigin, out byte[] response, out string? error)
    {
        error = Check(Encoding.Latin1.GetString(request), requireOrigin, out string? key);
        if (error is not null)
        {
            response = Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n");
            return false;
        }

        response = Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Protocol: sip\r\nSec-WebSocket-Accept: {AcceptValue(key!)}\r\n\r\n");
        return true;
    }

    /// <summary>base64(SHA-1(key + the RFC 6455 GUID)).</summary>
    public static string AcceptValue(string key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + Guid)));

    private static string? Check(string text, bool requireOrigin, out string? key)
    {
        key = null;
        string[] lines = text.Split("\r\n");
        string[] start = lines[0].Split(' ');
        if (start.Length != 3 || start[0] != "GET" || !start[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || start[2] == "HTTP/1.0")
        {
            return "not an HTTP/1.1 GET";
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 1; i < lines.Length; i++)
        {
            int colon = lines[i].IndexOf(':');
            if (colon > 0)
            {
                string name = lines[i][..colon].Trim();
                string value = lines[i][(colon + 1)..].Trim();
                headers[name] = headers.TryGetValue(name, out string? before) ? before + "," + value : value;
            }
        }

        if (!headers.ContainsKey("Host"))
        {
            return "no Host";
        }

        if (!HasToken(headers, "Upgrade", "websocket"))
        {
            return "no Upgrade: websocket";
        }

        if (!HasToken(headers, "Connection", "Upgrade"))
        {
            return "no Connection: Upgrade";
        }

        if (!headers.TryGetValue("Sec-WebSocket-Key", out key) || key.Length != 24)
        {
            return "Sec-WebSocket-Key missing or not 24 characters";
        }

        if (!headers.TryGetValue("Sec-WebSocket-Version", out string? version) || version != "13")
        {
            return "Sec-WebSocket-Version is not 13";
        }

        if (!HasToken(headers, "Sec-WebSocket-Protocol", "sip"))
        {
            return "Sec-WebSocket-Protocol does not offer sip";
        }

        if (requireOrigin && !headers.ContainsKey("Origin"))
        {
            return "no Origin";
        }

        return null;
    }

    private static bool HasToken(Dictionary<string, string> headers, string name, string token)
    {
        if (!headers.TryGetValue(name, out string? value))
        {
            return false;
        }

        foreach (string part in value.Split(','))
        {
            if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
