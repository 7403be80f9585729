using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Sip;

namespace Hyperproxy.Sak.Ua;

/// <summary>
/// The -s URI taken apart (user, host as written, port) and the address requests go to:
/// the outbound proxy (-p), else the first --route, else the URI's host and port (-r overrides).
/// Names resolve through DNS once, at start; failures are <see cref="SakException"/>s.
/// </summary>
public sealed class SipTarget
{
    private SipTarget(string uri, string? user, string hostPort, IPEndPoint destination)
    {
        Uri = uri;
        User = user;
        HostPort = hostPort;
        Destination = destination;
    }

    /// <summary>The request URI as given.</summary>
    public string Uri { get; }

    /// <summary>The user part, or null.</summary>
    public string? User { get; }

    /// <summary>host[:port] as written in the URI (IPv6 in brackets).</summary>
    public string HostPort { get; }

    /// <summary>Where datagrams go.</summary>
    public IPEndPoint Destination { get; }

    public static SipTarget Resolve(string uri, int remotePort, string? outboundProxy, IReadOnlyList<string> routes)
    {
        if (!TryParseUri(uri, out string? user, out string host, out int port, out string hostPort))
            throw new SakException($"bad SIP URI '{uri}' (expected sip:[user@]host[:port])");
        if (remotePort > 0)
        {
            port = remotePort;
            hostPort = host + ":" + port.ToString(CultureInfo.InvariantCulture);
        }
        IPEndPoint destination;
        if (!string.IsNullOrEmpty(outboundProxy))
        {
            destination = ResolveHostPort(outboundProxy, "outbound proxy");
        }
        else if (routes.Count > 0)
        {
            string route = routes[0].Trim().TrimStart('<');
            int close = route.IndexOf('>', StringComparison.Ordinal);
            if (close >= 0)
                route = route[..close];
            if (!TryParseUri(route, out _, out string rHost, out int rPort, out _))
                throw new SakException($"bad --route URI '{routes[0]}'");
            destination = new IPEndPoint(ResolveHost(rHost), rPort == 0 ? 5060 : rPort);
        }
        else
        {
            destination = new IPEndPoint(ResolveHost(host), port == 0 ? 5060 : port);
        }
        return new SipTarget(uri, user, hostPort, destination);
    }

    /// <summary>Parses sip:[user@]host[:port][;params] with the Sip URI parser.</summary>
    public static bool TryParseUri(string text, out string? user, out string host, out int port, out string hostPort)
    {
        user = null;
        host = hostPort = "";
        port = 0;
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        if (!SipUri.TryParse(bytes, out SipUri uri) || uri.Scheme != UriScheme.Sip || !uri.Host.IsPresent)
            return false;
        if (uri.User.IsPresent)
            user = Encoding.UTF8.GetString(bytes, uri.User.Start, uri.User.Length);
        host = Encoding.UTF8.GetString(bytes, uri.Host.Start, uri.Host.Length);
        port = uri.PortNumber;
        if (uri.Port.IsPresent && port == 0)
            return false;
        hostPort = port > 0 ? host + ":" + port.ToString(CultureInfo.InvariantCulture) : host;
        return true;
    }

    /// <summary>"host[:port]" or "[v6]:port" to an address (port 5060 when absent).</summary>
    public static IPEndPoint ResolveHostPort(string text, string what)
    {
        string host = text;
        int port = 5060;
        if (text.StartsWith("sip:", StringComparison.OrdinalIgnoreCase))
        {
            if (!TryParseUri(text, out _, out host, out int p, out _))
                throw new SakException($"bad {what} '{text}'");
            return new IPEndPoint(ResolveHost(host), p == 0 ? 5060 : p);
        }
        int close = text.LastIndexOf(']');
        int colon = text.LastIndexOf(':');
        bool bareV6 = text.IndexOf(':', StringComparison.Ordinal) != colon && close < 0;
        if (colon > close && !bareV6)
        {
            host = text[..colon];
            if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port)
                || port < 1 || port > 65535)
                throw new SakException($"bad port in {what} '{text}'");
        }
        if (host.Length == 0)
            throw new SakException($"bad {what} '{text}'");
        return new IPEndPoint(ResolveHost(host), port);
    }

    /// <summary>A numeric host (IPv6 with or without brackets) or a name looked up in DNS.</summary>
    public static IPAddress ResolveHost(string host)
    {
        string bare = host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        if (IPAddress.TryParse(bare, out IPAddress? address))
            return address;
        try
        {
            IPAddress[] all = Dns.GetHostAddresses(bare);
            foreach (IPAddress a in all)
            {
                if (a.AddressFamily == AddressFamily.InterNetwork)
                    return a;
            }
            if (all.Length > 0)
                return all[0];
        }
        catch (SocketException)
        {
        }
        catch (ArgumentException)
        {
        }
        throw new SakException($"cannot resolve host name '{bare}'");
    }

    /// <summary>An address as it is written in a SIP header (IPv6 in brackets).</summary>
    public static string FormatHost(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
}
