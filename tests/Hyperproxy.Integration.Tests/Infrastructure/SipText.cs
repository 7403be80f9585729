using System.Globalization;

namespace Hyperproxy.Integration.Tests.Infrastructure;

/// <summary>Builds test requests and reads headers out of what comes back (test-side text, not the server's parser).</summary>
internal static class SipText
{
    /// <summary>A request from <paramref name="from"/>'s socket; <paramref name="extraHeaders"/> are CRLF-terminated lines.</summary>
    public static string Request(string method, string requestUri, UdpPeer from, string branch, string callId,
        int cseq = 1, string extraHeaders = "", string body = "", bool rport = true, bool maxForwards = true)
    {
        string via = $"Via: SIP/2.0/UDP {from.SentBy};branch={branch}{(rport ? ";rport" : "")}\r\n";
        return $"{method} {requestUri} SIP/2.0\r\n"
            + via
            + (maxForwards ? "Max-Forwards: 70\r\n" : "")
            + $"From: <sip:alice@{from.SentBy}>;tag=a{callId.GetHashCode():x8}\r\n"
            + $"To: <{requestUri}>\r\n"
            + $"Call-ID: {callId}\r\n"
            + $"CSeq: {cseq} {method}\r\n"
            + extraHeaders
            + $"Content-Length: {System.Text.Encoding.UTF8.GetByteCount(body)}\r\n\r\n"
            + body;
    }

    public static string Options(string requestUri, UdpPeer from, string? callId = null) =>
        Request("OPTIONS", requestUri, from, NewBranch(), callId ?? NewCallId());

    public static string NewBranch() => "z9hG4bK" + Guid.NewGuid().ToString("N")[..16];

    public static string NewCallId() => Guid.NewGuid().ToString("N") + "@test";

    public static string StartLine(string message) => message[..message.IndexOf("\r\n", StringComparison.Ordinal)];

    /// <summary>The status code of a response, or 0 for a request.</summary>
    public static int StatusCode(string message)
    {
        string line = StartLine(message);
        return line.StartsWith("SIP/2.0 ", StringComparison.Ordinal) ? int.Parse(line.AsSpan(8, 3), CultureInfo.InvariantCulture) : 0;
    }

    public static string ReasonPhrase(string message) => StartLine(message).Length > 12 ? StartLine(message)[12..] : "";

    /// <summary>Every header line's value for <paramref name="name"/> (case-insensitive, compact forms not handled), in order.</summary>
    public static List<string> Headers(string message, string name)
    {
        var values = new List<string>();
        int end = message.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        string head = end < 0 ? message : message[..end];
        string[] lines = head.Split("\r\n");
        for (int i = 1; i < lines.Length; i++)
        {
            int colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && lines[i][..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                values.Add(lines[i][(colon + 1)..].Trim());
            }
        }

        return values;
    }

    public static string Header(string message, string name)
    {
        List<string> values = Headers(message, name);
        Assert.True(values.Count > 0, $"no {name} header in:\n{message}");
        return values[0];
    }

    /// <summary>A parameter of a header value (<c>;name=value</c>); "" for a flag, null when absent.</summary>
    public static string? Param(string headerValue, string name)
    {
        foreach (string part in headerValue.Split(';').Skip(1))
        {
            string p = part.Trim();
            int eq = p.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? p : p[..eq];
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return eq < 0 ? "" : p[(eq + 1)..];
            }
        }

        return null;
    }

    /// <summary>
    /// A response a UAS would send to <paramref name="request"/> (as the UAS received it): the
    /// status line, every Via in order, From, To (with a tag), Call-ID and CSeq copied.
    /// </summary>
    public static string ResponseTo(string request, int status, string reason, string toTag = "uas1")
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"SIP/2.0 {status} {reason}\r\n");
        foreach (string via in Headers(request, "Via"))
        {
            text.Append("Via: ").Append(via).Append("\r\n");
        }

        string to = Header(request, "To");
        text.Append("From: ").Append(Header(request, "From")).Append("\r\n");
        text.Append("To: ").Append(to).Append(to.Contains(";tag=", StringComparison.Ordinal) ? "" : ";tag=" + toTag).Append("\r\n");
        text.Append("Call-ID: ").Append(Header(request, "Call-ID")).Append("\r\n");
        text.Append("CSeq: ").Append(Header(request, "CSeq")).Append("\r\n");
        text.Append("Content-Length: 0\r\n\r\n");
        return text.ToString();
    }
}
