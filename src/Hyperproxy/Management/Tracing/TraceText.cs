using System.Text;

namespace Hyperproxy.Management.Tracing;

/// <summary>Small reads of a traced message's text on the tracer thread (the Call-ID for HEP correlation and the page).</summary>
public static class TraceText
{
    public static string CallId(ReadOnlySpan<byte> message)
    {
        string text = Encoding.UTF8.GetString(message);
        foreach (string line in text.Split("\r\n"))
        {
            if (line.Length == 0)
                break;
            int colon = line.IndexOf(':');
            if (colon <= 0)
                continue;
            string name = line[..colon].Trim();
            if (name.Equals("Call-ID", StringComparison.OrdinalIgnoreCase) || name == "i")
                return line[(colon + 1)..].Trim();
        }

        return string.Empty;
    }
}
