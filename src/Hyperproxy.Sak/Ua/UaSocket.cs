using System.Net;
using System.Net.Sockets;

namespace Hyperproxy.Sak.Ua;

/// <summary>
/// The UDP socket of the SIPSAK-style modes: bound to -k/-l (or any), sending to whichever hop a
/// request goes to (the target, or the first route of a dialog) and receiving replies and requests
/// from any hop (usrloc answers the MESSAGE sent to itself, the callee hears the proxy that
/// forwards the INVITE). The socket is not connected; IP_RECVERR makes the kernel report ICMP
/// errors (port unreachable) on it all the same, and they surface as <see cref="SakException"/>
/// with the remote-error code, as sipsak shows them.
/// </summary>
public sealed class UaSocket : IDisposable
{
    // <netinet/in.h>: IP_RECVERR (SOL_IP), IPV6_RECVERR (SOL_IPV6).
    private const int SolIp = 0;
    private const int IpRecvErr = 11;
    private const int SolIpv6 = 41;
    private const int Ipv6RecvErr = 25;

    private readonly Socket _socket;
    private EndPoint _from;

    public UaSocket(IPEndPoint destination, string? localIp, int localPort)
    {
        Destination = destination;
        Peer = destination;
        IPAddress bind = destination.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        if (!string.IsNullOrEmpty(localIp))
        {
            if (!IPAddress.TryParse(localIp.Trim('[', ']'), out IPAddress? parsed))
                throw new SakException($"bad local address '{localIp}'");
            if (parsed.AddressFamily != destination.AddressFamily)
                throw new SakException($"local address {localIp} and target {destination} are not of one IP family");
            bind = parsed;
        }
        _socket = new Socket(destination.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _from = new IPEndPoint(bind, 0);
        try
        {
            _socket.Bind(new IPEndPoint(bind, localPort));
            if (OperatingSystem.IsLinux())
            {
                bool v6 = destination.AddressFamily == AddressFamily.InterNetworkV6;
                _socket.SetRawSocketOption(v6 ? SolIpv6 : SolIp, v6 ? Ipv6RecvErr : IpRecvErr, BitConverter.GetBytes(1));
            }
            // The local address the kernel picks towards the target, for our Via and Contact.
            using var probe = new Socket(destination.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(destination);
            IPAddress chosen = ((IPEndPoint)probe.LocalEndPoint!).Address;
            var local = (IPEndPoint)_socket.LocalEndPoint!;
            LocalAddress = local.Address.Equals(IPAddress.Any) || local.Address.Equals(IPAddress.IPv6Any) ? chosen : local.Address;
            LocalPort = local.Port;
        }
        catch (SocketException e)
        {
            _socket.Dispose();
            throw new SakException($"cannot use local address {bind}:{localPort} towards {destination}: {e.Message}");
        }
    }

    /// <summary>Where out-of-dialog requests go (-p, the first --route, or the URI's host).</summary>
    public IPEndPoint Destination { get; }

    /// <summary>The hop of the last datagram sent or received: where an ICMP error most likely comes from.</summary>
    public IPEndPoint Peer { get; private set; }

    /// <summary>The source of the last datagram <see cref="Receive"/> returned.</summary>
    public IPEndPoint LastSource { get; private set; } = new(IPAddress.None, 0);

    /// <summary>The local address the kernel picked towards the destination.</summary>
    public IPAddress LocalAddress { get; }

    public int LocalPort { get; }

    /// <summary>Sends one datagram to the destination.</summary>
    public void Send(ReadOnlySpan<byte> datagram) => SendTo(datagram, Destination);

    /// <summary>Sends one datagram to <paramref name="hop"/>.</summary>
    public void SendTo(ReadOnlySpan<byte> datagram, IPEndPoint hop)
    {
        if (hop.AddressFamily != Destination.AddressFamily)
            throw new SakException($"next hop {hop} and target {Destination} are not of one IP family");
        Peer = hop;
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, hop);
        }
        catch (SocketException e)
        {
            throw Remote(e);
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for a datagram; returns its length or 0 on timeout.</summary>
    public int Receive(byte[] buffer, int timeoutMs)
    {
        try
        {
            if (!_socket.Poll(checked(Math.Max(0, timeoutMs) * 1000), SelectMode.SelectRead))
                return 0;
            int n = _socket.ReceiveFrom(buffer, ref _from);
            LastSource = (IPEndPoint)_from;
            return n;
        }
        catch (SocketException e)
        {
            throw Remote(e);
        }
    }

    public void Dispose() => _socket.Dispose();

    private SakException Remote(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => new SakException($"send failure: connection refused by {Peer}", ExitCodes.RemoteError),
        SocketError.HostUnreachable or SocketError.NetworkUnreachable =>
            new SakException($"send failure: {Peer} is unreachable", ExitCodes.RemoteError),
        _ => new SakException($"socket error towards {Peer}: {e.Message}", ExitCodes.RemoteError),
    };
}
