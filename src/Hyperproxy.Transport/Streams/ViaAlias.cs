using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Transport.Streams;

/// <summary>
/// RFC 5923's <c>alias</c> parameter in the top Via of a request read from a stream, found by the connection's reader
/// (before the worker parses the message) when <c>tcp_accept_aliases</c> is on. Allocation-free.
/// </summary>
internal static class ViaAlias
{
    /// <summary>
    /// True when <paramref name="message"/> is a request whose top Via carries <c>alias</c>; <paramref name="port"/> is
    /// that Via's sent-by port (5060, or 5061 on TLS, when it names none). Folded Via lines are not looked into.
    /// </summary>
    public static bool TryGetPort(ReadOnlySpan<byte> message, TransportProtocol protocol, out int port)
    {
        port = 0;
        if (message.StartsWith("SIP/"u8))
            return false; // a response: its Via is ours
        int end = message.IndexOf("\r\n"u8);
        if (end < 0)
            return false;
        ReadOnlySpan<byte> rest = message[(end + 2)..];
        while ((end = rest.IndexOf("\r\n"u8)) > 0)
        {
            ReadOnlySpan<byte> line = rest[..end];
            rest = rest[(end + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
                continue;
            ReadOnlySpan<byte> name = line[..colon].TrimEnd((byte)' ').TrimEnd((byte)'\t');
            if (!SipText.EqualsIgnoreCase(name, "via"u8) && !SipText.EqualsIgnoreCase(name, "v"u8))
                continue;
            ReadOnlySpan<byte> value = line[(colon + 1)..].TrimStart((byte)' ').TrimStart((byte)'\t');
            int comma = value.IndexOf((byte)',');
            if (comma >= 0)
                value = value[..comma];
            if (!ViaHeader.TryParse(value.TrimEnd((byte)' '), 0, out ViaHeader via) || !via.Params.IsPresent
                || !HasAlias(value.Slice(via.Params.Start, via.Params.Length)))
                return false;
            port = via.PortNumber != 0 ? via.PortNumber : protocol.IsSecure() ? 5061 : 5060;
            return true;
        }

        return false;
    }

    /// <summary>True when the <c>;name[=value]</c> list holds a parameter named <c>alias</c>.</summary>
    private static bool HasAlias(ReadOnlySpan<byte> parameters)
    {
        while (!parameters.IsEmpty)
        {
            int semi = parameters.IndexOf((byte)';');
            ReadOnlySpan<byte> one = semi < 0 ? parameters : parameters[..semi];
            parameters = semi < 0 ? default : parameters[(semi + 1)..];
            int equals = one.IndexOf((byte)'=');
            ReadOnlySpan<byte> name = (equals < 0 ? one : one[..equals]).Trim((byte)' ');
            if (SipText.EqualsIgnoreCase(name, "alias"u8))
                return true;
        }

        return false;
    }
}
