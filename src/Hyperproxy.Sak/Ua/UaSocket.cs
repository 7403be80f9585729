using System.Net;
using System.Net.Sockets;

namespace Hyperproxy.Sak.Ua;

/// <summary>
/// The UDP socket of the SIPSAK-style modes: bound to -k/-l (or any), sending to the target
/// and receiving both replies and requests (usrloc answers the MESSAGE sent to itself).
/// ICMP errors (port unreachable) surface as <see cref="SakException"/> with the remote-error code.
/// </summary>
public sealed class UaSocket : IDisposable
{
    private readonly Socket _socket;
    private EndPoint _from;

    public UaSocket(IPEndPoint destination, string? localIp, int localPort)
    {
        Destination = destination;
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
            // Connected: the kernel reports ICMP port-unreachable as ECONNREFUSED, as sipsak shows it.
            _socket.Connect(destination);
        }
        catch (SocketException e)
        {
            _socket.Dispose();
            throw new SakException($"cannot use local address {bind}:{localPort} towards {destination}: {e.Message}");
        }
        var local = (IPEndPoint)_socket.LocalEndPoint!;
        LocalAddress = local.Address;
        LocalPort = local.Port;
    }

    public IPEndPoint Destination { get; }

    /// <summary>The local address the kernel picked towards the destination.</summary>
    public IPAddress LocalAddress { get; }

    public int LocalPort { get; }

    /// <summary>Sends one datagram to the destination.</summary>
    public void Send(ReadOnlySpan<byte> datagram)
    {
        try
        {
            _socket.Send(datagram);
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
            return _socket.ReceiveFrom(buffer, ref _from);
        }
        catch (SocketException e)
        {
            throw Remote(e);
        }
    }

    public void Dispose() => _socket.Dispose();

    private SakException Remote(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => new SakException($"send failure: connection refused by {Destination}", ExitCodes.RemoteError),
        SocketError.HostUnreachable or SocketError.NetworkUnreachable =>
            new SakException($"send failure: {Destination} is unreachable", ExitCodes.RemoteError),
        _ => new SakException($"socket error towards {Destination}: {e.Message}", ExitCodes.RemoteError),
    };
}
