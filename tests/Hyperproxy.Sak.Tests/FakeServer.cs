using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hyperproxy.Sak.Tests;

/// <summary>
/// A tiny UDP responder on loopback (IPv4 or IPv6) that answers every request with a fixed
/// status, copying Via/From/To/Call-ID/CSeq. Bounded: it ends after a deadline or when disposed.
/// </summary>
internal sealed class FakeServer : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _thread;
    private readonly string _status;
    private readonly long _deadline;
    private volatile bool _stop;

    public FakeServer(IPAddress address, string status, int lifetimeMs = 30_000)
    {
        _status = status;
        _socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(address, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        _deadline = Stopwatch.GetTimestamp() + lifetimeMs * Stopwatch.Frequency / 1000;
        _thread = new Thread(Serve) { IsBackground = true };
        _thread.Start();
    }

    public int Port { get; }

    public int Answered;

    private void Serve()
    {
        byte[] buffer = new byte[65536];
        EndPoint from = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop && Stopwatch.GetTimestamp() < _deadline)
        {
            if (!_socket.Poll(50_000, SelectMode.SelectRead))
                continue;
            int n;
            try
            {
                n = _socket.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException)
            {
                continue;
            }
            string request = Encoding.UTF8.GetString(buffer, 0, n);
            var reply = new StringBuilder("SIP/2.0 " + _status + "\r\n");
            foreach (string line in request.Split("\r\n"))
            {
                if (line.StartsWith("Via:", StringComparison.Ordinal) || line.StartsWith("From:", StringComparison.Ordinal)
                    || line.StartsWith("Call-ID:", StringComparison.Ordinal) || line.StartsWith("CSeq:", StringComparison.Ordinal))
                    reply.Append(line).Append("\r\n");
                else if (line.StartsWith("To:", StringComparison.Ordinal))
                    reply.Append(line).Append(";tag=fake\r\n");
            }
            reply.Append("Server: fake\r\nContent-Length: 0\r\n\r\n");
            _socket.SendTo(Encoding.UTF8.GetBytes(reply.ToString()), from);
            Interlocked.Increment(ref Answered);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(5000);
        _socket.Dispose();
    }
}
