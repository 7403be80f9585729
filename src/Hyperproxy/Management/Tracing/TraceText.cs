using System.Text;

namespace Hyperproxy.Management.Tracing;

/// <summary>Small reads of a traced message's text on the tracer thread (the Call-ID for HEP correlation and the page).</summary>
public static class TraceText
{
    public static string CallId(ReadOnlySpan<byte> message) => Encoding.UTF8.GetString(CallIdBytes(message));

    /// <summary>
    /// The Call-ID's value (<c>Call-ID</c> or its compact form <c>i</c>, any case, trimmed) from the header
    /// section, read in place; empty when there is none.
    /// </summary>
    public static ReadOnlySpan<byte> CallIdBytes(ReadOnlySpan<byte> message)
    {
        int eol = message.IndexOf("\r\n"u8);
        if (eol < 0)
            return default;
        ReadOnlySpan<byte> rest = message[(eol + 2)..]; // past the start line
        while (!rest.IsEmpty)
        {
            eol = rest.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = eol < 0 ? rest : rest[..eol];
            if (line.IsEmpty)
                break; // end of the header section
            int colon = line.IndexOf((byte)':');
            if (colon > 0)
            {
                ReadOnlySpan<byte> name = line[..colon].Trim(" \t"u8);
                if (Ascii.EqualsIgnoreCase(name, "Call-ID"u8) || Ascii.EqualsIgnoreCase(name, "i"u8))
                    return line[(colon + 1)..].Trim(" \t"u8);
            }

            if (eol < 0)
                break;
            rest = rest[(eol + 2)..];
        }

        return default;
    }
}
