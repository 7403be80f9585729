using System.Text;
using System.Text.Json.Nodes;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// The answer of MI <c>t_uac_dlg</c> in OpenSIPS 3.x's shape: <c>{"Status":"&lt;code&gt; &lt;reason&gt;"}</c> for a final
/// tm made itself (408 after fr_timeout); for a received final also <c>"Message"</c> (the reply from its first header
/// line to the end of the body) and, for a 2xx that sets up a dialog, <c>"RURI"</c> (the Contact), <c>"Next-hop"</c> and
/// <c>"Routes"</c> (the Record-Route set in UAC order).
/// </summary>
public static class UacResult
{
    public static JsonNode Format(UacRequest request)
    {
        if (request.Faked || request.Reply.IsEmpty)
        {
            return new JsonObject { ["Status"] = $"{request.Code} {FakedReason(request.Code)}" };
        }

        byte[] bytes = request.Reply.ToArray();
        var m = new SipMessage();
        if (m.Parse(bytes, 0, bytes.Length) != SipError.None)
        {
            return new JsonObject { ["Status"] = $"{request.Code} {FakedReason(request.Code)}" };
        }

        var result = new JsonObject { ["Status"] = $"{m.StatusCode} {Text(m.Span(m.Reason))}" };
        if (m.StatusCode is >= 200 and < 300)
        {
            AddDialog(m, result);
        }

        int headers = m.HeaderCount > 0 ? m.Header(0).Line.Start : m.HeadersEnd;
        result["Message"] = Text(m.Bytes[headers..]);
        return result;
    }

    /// <summary>The dialog the 2xx sets up, as OpenSIPS prints it: remote target, next hop, route set (reversed Record-Route).</summary>
    private static void AddDialog(SipMessage m, JsonObject result)
    {
        string? target = m.GetFirstContact(out NameAddr contact) == SipError.None && contact.Uri.IsPresent ? Text(m.Span(contact.Uri)) : null;
        var routes = new List<string>();
        foreach (NameAddr rr in m.NameAddrs(HeaderId.RecordRoute))
        {
            routes.Add(Text(m.Span(rr.Value)));
        }

        routes.Reverse();
        if (target is null)
        {
            return;
        }

        result["RURI"] = target;
        string nextHop = target;
        if (routes.Count > 0)
        {
            string first = routes[0];
            int open = first.IndexOf('<');
            int close = first.IndexOf('>');
            nextHop = open >= 0 && close > open ? first[(open + 1)..close] : first;
        }

        result["Next-hop"] = nextHop;
        if (routes.Count > 0)
        {
            result["Routes"] = new JsonArray([.. routes.Select(r => (JsonNode)JsonValue.Create(r))]);
        }
    }

    private static string FakedReason(int code) => code switch
    {
        408 => "Request Timeout",
        476 => "Unresolvable destination",
        477 => "Send failed",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
