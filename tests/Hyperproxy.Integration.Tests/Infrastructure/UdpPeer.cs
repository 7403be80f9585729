using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hyperproxy.Integration.Tests.Infrastructure;

/// <summary>A UDP socket on a loopback address playing a SIP UA: sends text, receives with a bound.</summary>
internal sealed class UdpPeer : IDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(3);

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[65536];

    public UdpPeer(IPAddress address)
    {
        _socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(address, 0));
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public static UdpPeer V4() => new(IPAddress.Loopback);

    public static UdpPeer V6() => new(IPAddress.IPv6Loopback);

    public IPEndPoint LocalEndPoint { get; }

    public int Port => LocalEndPoint.Port;

    /// <summary>The sent-by of a Via for this socket: <c>127.0.0.1:PORT</c> or <c>[::1]:PORT</c>.</summary>
    public string SentBy => LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{LocalEndPoint.Address}]:{Port}" : $"{LocalEndPoint.Address}:{Port}";

    public void Send(string text, IPEndPoint to) => Send(Encoding.UTF8.GetBytes(text), to);

    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint to) => _socket.SendTo(datagram, SocketFlags.None, to);

    /// <summary>The next datagram as text with its source, or null when none comes within <paramref name="bound"/>.</summary>
    public async Task<(string Text, IPEndPoint From)?> ReceiveAsync(TimeSpan bound)
    {
        using var cts = new CancellationTokenSource(bound);
        try
        {
            EndPoint any = LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6
                ? new IPEndPoint(IPAddress.IPv6Any, 0)
                : new IPEndPoint(IPAddress.Any, 0);
            SocketReceiveFromResult r = await _socket.ReceiveFromAsync(_buffer, SocketFlags.None, any, cts.Token);
            return (Encoding.UTF8.GetString(_buffer, 0, r.ReceivedBytes), (IPEndPoint)r.RemoteEndPoint);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The next datagram's text; fails the test when none arrives in time.</summary>
    public async Task<string> ExpectAsync(string what, TimeSpan? bound = null)
    {
        (string Text, IPEndPoint From)? got = await ReceiveAsync(bound ?? DefaultWait);
        Assert.True(got is not null, $"nothing received on {SentBy} while waiting for {what}");
        return got.Value.Text;
    }

    /// <summary>Asserts that nothing arrives within <paramref name="bound"/>.</summary>
    public async Task ExpectSilenceAsync(TimeSpan bound, string why)
    {
        (string Text, IPEndPoint From)? got = await ReceiveAsync(bound);
        Assert.True(got is null, $"expected no datagram ({why}) but got:\n{got?.Text}");
    }

    public void Dispose() => _socket.Dispose();
}
