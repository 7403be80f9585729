using System.Text;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// Who "we" are, fixed at start-up: per socket the bound address and the advertised host/port
/// that go into our Via, and the set of host:port pairs that mean "this proxy" in a Request-URI,
/// Route or Via (bound addresses, advertised addresses, aliases). Shared read-only by all workers.
/// </summary>
public sealed class ProxyIdentity
{
    private readonly Socket[] _sockets;
    private readonly List<(byte[] Host, int Port)> _names = [];
    private readonly List<NetAddress> _addresses = [];

    public ProxyIdentity(IReadOnlyList<NetAddress> bound, IReadOnlyList<AdvertisedAddress?> advertised, IReadOnlyList<string>? aliases = null,
        IReadOnlyList<TransportProtocol>? protocols = null)
    {
        if (bound.Count != advertised.Count)
        {
            throw new ArgumentException("one advertised entry per bound address", nameof(advertised));
        }

        _sockets = new Socket[bound.Count];
        for (int i = 0; i < bound.Count; i++)
        {
            NetAddress address = bound[i];
            AdvertisedAddress? adv = advertised[i];
            byte[] host = adv is null ? Encoding.ASCII.GetBytes(address.HostToString()) : adv.HostUtf8.ToArray();
            int port = adv?.Port ?? address.Port;
            TransportProtocol protocol = protocols is not null && i < protocols.Count ? protocols[i] : TransportProtocol.Udp;
            _sockets[i] = new Socket(address, host, port, BuildViaPrefix(protocol, host, port), protocol,
                protocol == TransportProtocol.Udp ? [] : Encoding.ASCII.GetBytes(protocol.Name()));
            AddMe(host, port);
            if (!address.IsAny)
            {
                _addresses.Add(address);
            }
        }

        foreach (string alias in aliases ?? [])
        {
            // OpenSIPS's grep_aliases: an alias written without a port matches every port.
            AdvertisedAddress a = AdvertisedAddress.Parse(alias, 5060);
            AddMe(a.HostUtf8.ToArray(), HasPort(alias) ? a.Port : AnyPort);
        }
    }

    /// <summary>The port of an alias written without one: it names us on every port.</summary>
    private const int AnyPort = 0;

    public int SocketCount => _sockets.Length;

    /// <summary>The address the socket is bound to.</summary>
    public NetAddress Bound(int socket) => _sockets[socket].Address;

    /// <summary>The advertised host of a socket as SIP writes it (IPv6 in brackets).</summary>
    public ReadOnlySpan<byte> AdvertisedHost(int socket) => _sockets[socket].Host;

    public int AdvertisedPort(int socket) => _sockets[socket].Port;

    /// <summary><c>"Via: SIP/2.0/UDP host:port;branch="</c> (TCP, TLS for stream sockets) for the socket, ready to copy.</summary>
    public ReadOnlySpan<byte> ViaPrefix(int socket) => _sockets[socket].ViaPrefix;

    /// <summary>The transport of a socket.</summary>
    public TransportProtocol Protocol(int socket) => _sockets[socket].Protocol;

    /// <summary>The lower-case transport name of a socket that is not UDP (<c>tcp</c>, <c>tls</c>); empty for UDP.</summary>
    public ReadOnlySpan<byte> TransportName(int socket) => (uint)socket < (uint)_sockets.Length ? _sockets[socket].TransportName : default;

    /// <summary>True when some socket serves <paramref name="protocol"/>.</summary>
    public bool Serves(TransportProtocol protocol)
    {
        foreach (Socket s in _sockets)
        {
            if (s.Protocol == protocol)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The socket a message for <paramref name="destination"/> over <paramref name="protocol"/> leaves from: the
    /// receiving socket when its transport and family match, else the first socket of that transport and family; -1 when none.
    /// </summary>
    public int OutgoingSocket(int receivedOn, in NetAddress destination, TransportProtocol protocol)
    {
        if ((uint)receivedOn < (uint)_sockets.Length && _sockets[receivedOn].Protocol == protocol && _sockets[receivedOn].Address.Family == destination.Family)
        {
            return receivedOn;
        }

        for (int i = 0; i < _sockets.Length; i++)
        {
            if (_sockets[i].Protocol == protocol && _sockets[i].Address.Family == destination.Family)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The socket a datagram to <paramref name="destination"/> leaves from: the receiving socket
    /// when its family matches, else the first socket of the destination's family; -1 when none.
    /// </summary>
    public int OutgoingSocket(int receivedOn, in NetAddress destination) => OutgoingSocket(receivedOn, destination, TransportProtocol.Udp);

    /// <summary>
    /// True when host:port names this proxy. An absent port (0) means 5060; an alias written without a
    /// port matches any port (OpenSIPS's grep_aliases). Numeric hosts are compared as addresses (so
    /// <c>[::1]</c> and <c>[0:0::1]</c> match); names case-insensitively (RFC 3261 §19.1.4).
    /// </summary>
    public bool IsMe(ReadOnlySpan<byte> host, int port)
    {
        if (port == 0)
        {
            port = 5060;
        }

        if (host.Length == 0)
        {
            return false;
        }

        // Names first: a URI that names us usually has our host as we write it, and the byte compare is
        // cheaper than reading the host as an address.
        foreach ((byte[] name, int namePort) in _names)
        {
            if ((namePort == port || namePort == AnyPort) && Ascii.EqualsIgnoreCase(name, host))
            {
                return true;
            }
        }

        if (NetAddress.TryParse(host, port, out NetAddress numeric))
        {
            foreach (NetAddress a in _addresses)
            {
                if (a.Port == port && a.HostEquals(numeric))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The script's "is this me": a port of 0 means any of our ports (is_myself without a port), else <see cref="IsMe"/>.</summary>
    public bool IsMyself(ReadOnlySpan<byte> host, int port) => port == 0 ? IsMeOnAnyPort(host) : IsMe(host, port);

    /// <summary>True when <paramref name="host"/> names this proxy on any of its ports (is_myself without a port).</summary>
    public bool IsMeOnAnyPort(ReadOnlySpan<byte> host)
    {
        if (host.Length > 2 && host[0] == (byte)'[')
        {
            host = host[1..^1];
        }

        // Names first, as in IsMe.
        foreach ((byte[] name, int _) in _names)
        {
            if (Ascii.EqualsIgnoreCase(name, host) || (name.Length > 2 && name[0] == (byte)'[' && Ascii.EqualsIgnoreCase(name.AsSpan(1, name.Length - 2), host)))
            {
                return true;
            }
        }

        if (NetAddress.TryParse(host, 0, out NetAddress numeric))
        {
            foreach (NetAddress a in _addresses)
            {
                if (a.HostEquals(numeric))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>True when the URI's host and port name this proxy.</summary>
    public bool IsMe(ReadOnlySpan<byte> uriText, in SipUri uri) =>
        uri.Host.IsPresent && IsMe(uriText.Slice(uri.Host.Start, uri.Host.Length), uri.PortNumber);

    private void AddMe(byte[] host, int port)
    {
        foreach ((byte[] h, int p) in _names)
        {
            if (p == port && Ascii.EqualsIgnoreCase(h, host))
            {
                return;
            }
        }

        _names.Add((host, port));
    }

    /// <summary>Whether <c>host[:port]</c> text (IPv6 in brackets, or bare without a port) carries a port.</summary>
    private static bool HasPort(string alias) =>
        alias.StartsWith('[') ? alias.Contains("]:", StringComparison.Ordinal) : alias.IndexOf(':') >= 0 && alias.IndexOf(':') == alias.LastIndexOf(':');

    private static byte[] BuildViaPrefix(TransportProtocol protocol, byte[] host, int port) =>
        Encoding.ASCII.GetBytes("Via: SIP/2.0/" + protocol.ViaToken() + " " + Encoding.ASCII.GetString(host) + ":" + port + ";branch=");

    private sealed record Socket(NetAddress Address, byte[] Host, int Port, byte[] ViaPrefix, TransportProtocol Protocol, byte[] TransportName);
}
