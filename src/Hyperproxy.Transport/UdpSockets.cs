using System.Net.Sockets;
using Hyperproxy.Sip;
using Hyperproxy.Transport.Interop;

namespace Hyperproxy.Transport;

/// <summary>
/// Opens the transport's UDP sockets: non-blocking, IPV6_V6ONLY on IPv6, large buffers, and
/// SO_REUSEPORT so each worker gets its own socket on the same address (the kernel spreads
/// datagrams over them by a hash of the source address and port). Bind failures become
/// <see cref="TransportException"/>s an operator can act on.
/// </summary>
public static class UdpSockets
{
    /// <summary>Requested SO_RCVBUF / SO_SNDBUF; the kernel may give less.</summary>
    public const int DefaultBufferBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Opens and binds a UDP socket on <paramref name="local"/>. With <paramref name="reusePort"/>
    /// other sockets may share the port (one per worker).
    /// </summary>
    public static Socket Open(NetAddress local, bool reusePort, int bufferBytes = DefaultBufferBytes)
    {
        Socket socket = Create(local);
        try
        {
            if (reusePort)
                SetReusePort(socket, local);
            SetBuffers(socket, bufferBytes);
            Bind(socket, local);
            socket.Blocking = false;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks that no other socket holds <paramref name="local"/> by binding a probe without
    /// SO_REUSEPORT, then closes it. SO_REUSEPORT alone would let a second hyperproxy (same user)
    /// join our port silently and steal part of the traffic; with the probe, whichever process
    /// starts second gets "address already in use". Returns the bound address (the port chosen by
    /// the kernel when <paramref name="local"/> has port 0).
    /// </summary>
    public static NetAddress ProbeFree(NetAddress local)
    {
        using Socket probe = Create(local);
        Bind(probe, local);
        return NetAddress.FromIPEndPoint((System.Net.IPEndPoint)probe.LocalEndPoint!);
    }

    /// <summary>The local address a socket is bound to (cold path).</summary>
    public static NetAddress LocalAddress(Socket socket) =>
        NetAddress.FromIPEndPoint((System.Net.IPEndPoint)socket.LocalEndPoint!);

    private static Socket Create(NetAddress local)
    {
        if (local.IsNone)
            throw new ArgumentException("address has no family", nameof(local));
        try
        {
            var socket = new Socket(local.IsIPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6,
                SocketType.Dgram, ProtocolType.Udp);
            if (local.IsIPv6)
                socket.DualMode = false; // IPV6_V6ONLY: [::] must not swallow IPv4 too.
            return socket;
        }
        catch (SocketException e)
        {
            throw new TransportException($"{Label(local)}: cannot create a socket: {Reason(e, local)}", e);
        }
    }

    private static void SetReusePort(Socket socket, NetAddress local)
    {
        if (OperatingSystem.IsWindows())
            return; // No SO_REUSEPORT: one worker per address there.
        try
        {
            socket.SetRawSocketOption(Libc.SolSocket, Libc.SoReusePort, BitConverter.GetBytes(1));
        }
        catch (SocketException e)
        {
            throw new TransportException($"{Label(local)}: cannot set SO_REUSEPORT: {e.Message}", e);
        }
    }

    private static void SetBuffers(Socket socket, int bytes)
    {
        // Root (CAP_NET_ADMIN) may exceed net.core.rmem_max with the FORCE options; otherwise
        // ask for the size and accept what the kernel grants.
        if (OperatingSystem.IsLinux())
        {
            byte[] value = BitConverter.GetBytes(bytes);
            if (TrySetRaw(socket, Libc.SoRcvBufForce, value) && TrySetRaw(socket, Libc.SoSndBufForce, value))
                return;
        }
        try
        {
            socket.ReceiveBufferSize = bytes;
            socket.SendBufferSize = bytes;
        }
        catch (SocketException)
        {
            // Keep the defaults.
        }
    }

    private static bool TrySetRaw(Socket socket, int option, byte[] value)
    {
        try
        {
            socket.SetRawSocketOption(Libc.SolSocket, option, value);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void Bind(Socket socket, NetAddress local)
    {
        try
        {
            socket.Bind(local.ToIPEndPoint());
        }
        catch (SocketException e)
        {
            throw new TransportException($"{Label(local)}: {Reason(e, local)}", e);
        }
    }

    private static string Label(NetAddress local) => "udp:" + local.ToString();

    private static string Reason(SocketException e, NetAddress local) => e.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse =>
            "address already in use (another process, perhaps another hyperproxy, is bound to it; stop it or choose another port)",
        SocketError.AddressNotAvailable =>
            "cannot assign requested address (no local interface has " + local.HostToString() + ")",
        SocketError.AccessDenied =>
            "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
        SocketError.AddressFamilyNotSupported or SocketError.ProtocolFamilyNotSupported =>
            (local.IsIPv6 ? "IPv6" : "IPv4") + " is not available on this host",
        _ => e.Message,
    };
}
