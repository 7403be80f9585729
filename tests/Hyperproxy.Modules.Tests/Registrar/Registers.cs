namespace Hyperproxy.Modules.Tests.Registrar;

/// <summary>REGISTER and INVITE texts for the registrar tests (LF line ends; the harness makes them CRLF).</summary>
internal static class Registers
{
    public static string Register(string? contacts = "<sip:alice@192.0.2.10:5062>", string? expires = null, int cseq = 1,
        string callId = "reg-1@192.0.2.10", string[]? path = null, string? extra = null, string to = "<sip:alice@example.com>")
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("REGISTER sip:example.com SIP/2.0\n");
        sb.Append("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-r").Append(cseq).Append('\n');
        foreach (string p in path ?? [])
        {
            sb.Append("Path: ").Append(p).Append('\n');
        }

        sb.Append("Max-Forwards: 70\n");
        sb.Append("From: <sip:alice@example.com>;tag=f1\n");
        sb.Append("To: ").Append(to).Append('\n');
        sb.Append("Call-ID: ").Append(callId).Append('\n');
        sb.Append("CSeq: ").Append(cseq).Append(" REGISTER\n");
        if (contacts is not null)
        {
            sb.Append("Contact: ").Append(contacts).Append('\n');
        }

        if (expires is not null)
        {
            sb.Append("Expires: ").Append(expires).Append('\n');
        }

        if (extra is not null)
        {
            sb.Append(extra).Append('\n');
        }

        sb.Append("Content-Length: 0\n\n");
        return sb.ToString();
    }

    public static string Invite(string requestUri = "sip:alice@example.com", string? route = null, string method = "INVITE") =>
        method + " " + requestUri + " SIP/2.0\n"
        + "Via: SIP/2.0/UDP 192.0.2.20:5070;branch=z9hG4bK-i1\n"
        + (route is null ? string.Empty : "Route: " + route + "\n")
        + "Max-Forwards: 70\n"
        + "From: <sip:bob@example.com>;tag=b1\n"
        + "To: <sip:alice@example.com>\n"
        + "Call-ID: inv-1@192.0.2.20\n"
        + "CSeq: 1 " + method + "\n"
        + "Content-Length: 0\n\n";

    /// <summary>A script whose request route saves REGISTERs with <paramref name="saveArgs"/> and looks others up.</summary>
    public static string Script(string saveArgs = "\"location\"", string lookupArgs = "\"location\"") =>
        "route {\n"
        + "  if (is_method(\"REGISTER\")) { save(" + saveArgs + "); exit; }\n"
        + "  lookup(" + lookupArgs + ");\n"
        + "  $var(r) = $retcode;\n"
        + "  if ($var(r) == -1) { sl_send_reply(404, \"Not Found\"); exit; }\n"
        + "  if ($var(r) == -2) { sl_send_reply(405, \"Method Not Allowed\"); exit; }\n"
        + "  if ($var(r) < 0) { sl_send_reply(500, \"Lookup Error\"); exit; }\n"
        + "  forward();\n"
        + "}\n";
}
