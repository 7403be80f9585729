using System.Globalization;

namespace Hyperproxy.Script.Binding;

/// <summary>
/// <c>[proto:]host[:port]</c> as used by <c>socket=</c>, <c>alias=</c>,
/// <c>force_send_socket()</c> and <c>forward()</c>. <see cref="Port"/> is 0 when absent
/// (the transport's default applies); <see cref="Protocol"/> is null when absent.
/// </summary>
public sealed record SocketSpec(string? Protocol, string Host, int Port)
{
    private static readonly string[] s_protocols = ["udp", "tcp", "tls", "sctp", "ws", "wss", "bin", "hep_udp", "hep_tcp", "any"];

    /// <summary>The port to use when none was written: 5061 for tls/wss, else 5060.</summary>
    public int PortOrDefault => Port != 0 ? Port : Protocol is "tls" or "wss" ? 5061 : 5060;

    public override string ToString() =>
        (Protocol is null ? string.Empty : Protocol + ":") + (Host.Contains(':') ? "[" + Host + "]" : Host) +
        (Port == 0 ? string.Empty : ":" + Port.ToString(CultureInfo.InvariantCulture));

    /// <summary>Parses <c>[proto:]host[:port]</c>; IPv6 hosts in brackets; host may be <c>*</c>.</summary>
    public static bool TryParse(string text, out SocketSpec? spec, out string? error)
    {
        spec = null;
        error = null;
        string rest = text.Trim();
        string? protocol = null;
        int colon = rest.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && rest[0] != '[')
        {
            string head = rest[..colon].ToLowerInvariant();
            if (Array.IndexOf(s_protocols, head) >= 0)
            {
                protocol = head;
                rest = rest[(colon + 1)..];
            }
        }

        string host;
        string? portText = null;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"missing ']' in '{text}'";
                return false;
            }

            host = rest[1..close];
            string after = rest[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    error = $"unexpected '{after}' after ']' in '{text}'";
                    return false;
                }

                portText = after[1..];
            }
        }
        else
        {
            int first = rest.IndexOf(':', StringComparison.Ordinal);
            int last = rest.LastIndexOf(':');
            if (first >= 0 && first == last)
            {
                host = rest[..first];
                portText = rest[(first + 1)..];
            }
            else
            {
                // No colon, or a bare IPv6 address (several colons) without a port.
                host = rest;
            }
        }

        if (host.Length == 0)
        {
            error = $"missing host in '{text}'";
            return false;
        }

        int port = 0;
        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            error = $"bad port '{portText}' in '{text}'";
            return false;
        }

        spec = new SocketSpec(protocol, host, port);
        return true;
    }
}
