using System.Text;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport;

/// <summary>
/// The host and port a listen address announces in Via and Record-Route (<c>--advertise</c>):
/// a name ("sip.example.com") or a numeric address; IPv6 kept in brackets as SIP writes it.
/// </summary>
public sealed class AdvertisedAddress
{
    private readonly byte[] _hostUtf8;

    private AdvertisedAddress(string host, int port)
    {
        Host = host;
        Port = port;
        _hostUtf8 = Encoding.ASCII.GetBytes(host);
    }

    /// <summary>The host as it appears in SIP: a name, dotted IPv4 or bracketed IPv6.</summary>
    public string Host { get; }

    /// <summary>The advertised port.</summary>
    public int Port { get; }

    /// <summary>The host as UTF-8 bytes, ready to copy into a header.</summary>
    public ReadOnlySpan<byte> HostUtf8 => _hostUtf8;

    /// <summary>
    /// Parses "host", "host:port", "192.0.2.1:5060", "[2001:db8::1]:5060" or a bare "2001:db8::1";
    /// the port defaults to <paramref name="defaultPort"/> (the listen port).
    /// </summary>
    public static AdvertisedAddress Parse(string text, int defaultPort)
    {
        string prefix = $"advertise '{text}': ";
        if (string.IsNullOrWhiteSpace(text))
            throw new TransportException("advertise '': empty; expected HOST or HOST:PORT");
        string host = text;
        int port = defaultPort;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            if (close < 0)
                throw new TransportException(prefix + "'[' without ']'");
            host = text.Substring(0, close + 1);
            string after = text.Substring(close + 1);
            if (after.Length > 0)
            {
                if (after[0] != ':')
                    throw new TransportException(prefix + $"unexpected '{after}' after '{host}'; expected :PORT");
                port = ParsePort(prefix, after.Substring(1));
            }
            if (!NetAddress.TryParse(Encoding.ASCII.GetBytes(host), 0, out _))
                throw new TransportException(prefix + $"'{host}' is not a numeric IPv6 address");
        }
        else if (text.IndexOf(':') != text.LastIndexOf(':'))
        {
            // Several colons and no brackets: an IPv6 address without a port.
            if (!NetAddress.TryParse(Encoding.ASCII.GetBytes(text), 0, out _))
                throw new TransportException(prefix + "not an IPv6 address; write IPv6 with a port as [ADDR]:PORT");
            host = "[" + text + "]";
        }
        else if (text.Contains(':'))
        {
            int colon = text.IndexOf(':');
            host = text.Substring(0, colon);
            port = ParsePort(prefix, text.Substring(colon + 1));
        }

        if (!host.StartsWith('[') && !IsHostName(host))
            throw new TransportException(prefix + $"'{host}' is not a valid host name or IPv4 address");
        if (port == 0)
            throw new TransportException(prefix + "port 0 cannot be advertised");
        return new AdvertisedAddress(host, port);
    }

    /// <summary>The advertised form of a bound address (its numeric host and port).</summary>
    public static AdvertisedAddress FromAddress(NetAddress address) => new(address.HostToString(), address.Port);

    /// <summary>"host:port".</summary>
    public override string ToString() => Host + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static int ParsePort(string prefix, string text)
    {
        if (!ListenSpec.TryParsePort(text, out int port, out string? error))
            throw new TransportException(prefix + error);
        return port;
    }

    // RFC 3261 hostname: labels of alphanumerics and '-', separated by dots (IPv4 fits too).
    private static bool IsHostName(string host)
    {
        if (host.Length == 0 || host.Length > 253 || host[0] == '.' || host[0] == '-')
            return false;
        char previous = '.';
        foreach (char c in host)
        {
            bool ok = char.IsAsciiLetterOrDigit(c) || c == '-' || c == '.';
            if (!ok || (c == '.' && (previous == '.' || previous == '-')))
                return false;
            previous = c;
        }
        return true;
    }
}
