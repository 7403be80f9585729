namespace Hyperproxy.Modules.Tests;

/// <summary>Request texts for the rr/path tests (LF line ends; the harness makes them CRLF).</summary>
internal static class Requests
{
    /// <summary>A request with the given R-URI, Route lines (each may hold several entries) and tags.</summary>
    public static string Make(string method, string requestUri, string[]? routes = null, string? toTag = null, string fromTag = "abc",
        string? extra = null)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(method).Append(' ').Append(requestUri).Append(" SIP/2.0\n");
        sb.Append("Via: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-1\n");
        foreach (string r in routes ?? [])
        {
            sb.Append("Route: ").Append(r).Append('\n');
        }

        sb.Append("Max-Forwards: 70\n");
        sb.Append("From: <sip:alice@example.com>").Append(fromTag.Length > 0 ? ";tag=" + fromTag : string.Empty).Append('\n');
        sb.Append("To: <sip:bob@example.com>").Append(toTag is null ? string.Empty : ";tag=" + toTag).Append('\n');
        sb.Append("Call-ID: c1@example.com\n");
        sb.Append("CSeq: 1 ").Append(method).Append('\n');
        if (extra is not null)
        {
            sb.Append(extra).Append('\n');
        }

        sb.Append("Content-Length: 0\n\n");
        return sb.ToString();
    }

    public static string Invite(string requestUri = "sip:bob@127.0.0.2:5070", string fromTag = "abc", string? extra = null) =>
        Make("INVITE", requestUri, null, null, fromTag, extra);
}
