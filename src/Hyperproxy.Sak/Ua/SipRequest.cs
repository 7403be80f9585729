using System.Globalization;
using System.Net;
using System.Text;

namespace Hyperproxy.Sak.Ua;

/// <summary>A request the CLI modes send, written out as text (cold path).</summary>
public sealed class SipRequest
{
    public required string Method { get; init; }

    public required string RequestUri { get; set; }

    public required string To { get; set; }

    /// <summary>The remote tag of an in-dialog request (written as To's tag), or null.</summary>
    public string? ToTag { get; init; }

    public required string From { get; init; }

    public required string FromTag { get; init; }

    public required string CallId { get; init; }

    public uint CSeq { get; set; } = 1;

    /// <summary>Max-Forwards; negative leaves the header out.</summary>
    public int MaxForwards { get; set; } = 70;

    public string? Contact { get; set; }

    public int Expires { get; set; } = -1;

    public string? Body { get; set; }

    public string ContentType { get; set; } = "text/plain";

    public string? Disposition { get; set; }

    /// <summary>Route set (URIs, in order), written as Route headers.</summary>
    public List<string> Routes { get; } = [];

    /// <summary>Path URIs (REGISTER from an edge proxy).</summary>
    public List<string> Paths { get; } = [];

    /// <summary>Where the request is sent; null: the target's destination (-p, first --route, or the URI's host).</summary>
    public IPEndPoint? NextHop { get; set; }

    /// <summary>Authorization / Proxy-Authorization header line (without CRLF), or null.</summary>
    public string? Authorization { get; set; }

    /// <summary>Extra header lines separated by "\n" (SIPSAK's -j).</summary>
    public string? ExtraHeaders { get; set; }

    /// <summary>
    /// Writes the request with our Via (sent-by <paramref name="sentBy"/>, branch <paramref name="branch"/>);
    /// a null sent-by leaves the Via out (sipsak's -i).
    /// </summary>
    public byte[] Build(string? sentBy, string branch)
    {
        var b = new StringBuilder(512);
        CultureInfo ci = CultureInfo.InvariantCulture;
        b.Append(Method).Append(' ').Append(RequestUri).Append(" SIP/2.0\r\n");
        if (sentBy != null)
            b.Append("Via: SIP/2.0/UDP ").Append(sentBy).Append(";branch=").Append(branch).Append(";rport\r\n");
        foreach (string route in Routes)
            b.Append("Route: ").Append(Bracket(route)).Append("\r\n");
        b.Append("From: ").Append(Bracket(From)).Append(";tag=").Append(FromTag).Append("\r\n");
        b.Append("To: ").Append(Bracket(To));
        if (ToTag != null)
            b.Append(";tag=").Append(ToTag);
        b.Append("\r\n");
        b.Append("Call-ID: ").Append(CallId).Append("\r\n");
        b.Append("CSeq: ").Append(CSeq.ToString(ci)).Append(' ').Append(Method).Append("\r\n");
        if (MaxForwards >= 0)
            b.Append("Max-Forwards: ").Append(MaxForwards.ToString(ci)).Append("\r\n");
        if (Contact != null)
            b.Append("Contact: ").Append(Contact == "*" ? "*" : Bracket(Contact)).Append("\r\n");
        if (Expires >= 0)
            b.Append("Expires: ").Append(Expires.ToString(ci)).Append("\r\n");
        if (Paths.Count > 0)
        {
            b.Append("Supported: path\r\n");
            foreach (string path in Paths)
                b.Append("Path: ").Append(Bracket(path)).Append("\r\n");
        }
        if (Authorization != null)
            b.Append(Authorization).Append("\r\n");
        if (Disposition != null)
            b.Append("Content-Disposition: ").Append(Disposition).Append("\r\n");
        if (!string.IsNullOrEmpty(ExtraHeaders))
        {
            foreach (string line in ExtraHeaders.Replace("\\n", "\n", StringComparison.Ordinal).Split('\n'))
            {
                if (line.Trim().Length > 0)
                    b.Append(line.TrimEnd('\r')).Append("\r\n");
            }
        }
        b.Append("User-Agent: hypersak\r\n");
        byte[] body = Body == null ? [] : Encoding.UTF8.GetBytes(Body);
        if (body.Length > 0)
            b.Append("Content-Type: ").Append(ContentType).Append("\r\n");
        b.Append("Content-Length: ").Append(body.Length.ToString(ci)).Append("\r\n\r\n");
        byte[] head = Encoding.UTF8.GetBytes(b.ToString());
        if (body.Length == 0)
            return head;
        byte[] all = new byte[head.Length + body.Length];
        head.CopyTo(all, 0);
        body.CopyTo(all, head.Length);
        return all;
    }

    private static string Bracket(string uri) => uri.StartsWith('<') || uri.Contains('<', StringComparison.Ordinal) ? uri : "<" + uri + ">";
}
