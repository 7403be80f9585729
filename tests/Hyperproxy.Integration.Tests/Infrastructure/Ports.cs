using System.Net;
using System.Net.Sockets;

namespace Hyperproxy.Integration.Tests.Infrastructure;

/// <summary>
/// Free UDP ports for one test. sipsak 0.9.8 cuts 5-digit ports out of its Request-URI, so every
/// port comes from 7000-9999; other test projects run at the same time, so a port is picked at
/// random and proved free by binding it on 127.0.0.1 and ::1 first.
/// </summary>
internal static class Ports
{
    public const int First = 7000;
    public const int Last = 9999;
    private const int Attempts = 200;

    public static int FreeUdpPort()
    {
        for (int i = 0; i < Attempts; i++)
        {
            int port = Random.Shared.Next(First, Last + 1);
            if (IsFree(IPAddress.Loopback, port) && IsFree(IPAddress.IPv6Loopback, port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no free UDP port in {First}-{Last} after {Attempts} tries");
    }

    /// <summary>Distinct free ports (for a test that needs a proxy and its peers).</summary>
    public static int[] FreeUdpPorts(int count)
    {
        var ports = new int[count];
        for (int i = 0; i < count; i++)
        {
            int port;
            do
            {
                port = FreeUdpPort();
            }
            while (Array.IndexOf(ports, port, 0, i) >= 0);
            ports[i] = port;
        }

        return ports;
    }

    public static bool IsFree(IPAddress address, int port)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
