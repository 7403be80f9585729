using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// A closed-loop REGISTER client for the durable-registrar tests: keeps <c>window</c> REGISTERs in flight, each
/// for a new user (u0, u1, ...: one binding each, see <see cref="RegisterClient.Register"/>), and sends the next
/// as soon as one is answered — on one thread, optionally pinned to a CPU and spinning on its non-blocking socket
/// (a client that keeps its core busy, as the generators of run-bench.sh do). A request unanswered for
/// <see cref="GiveUpMs"/> is written off and replaced. Remembers every user whose REGISTER got 200 OK.
/// </summary>
internal sealed class RegisterLoad
{
    private const int GiveUpMs = 2000;

    private readonly IPEndPoint _server;
    private readonly int _window;
    private readonly string _prefix;
    private readonly int _cpu;
    private readonly List<int> _acked = [];
    private volatile bool _stop;
    private int _ackedCount;

    public RegisterLoad(IPEndPoint server, int window, string prefix, int cpu = -1)
    {
        _server = server;
        _window = window;
        _prefix = prefix;
        _cpu = cpu;
    }

    /// <summary>200 OKs received so far (read from any thread).</summary>
    public int AckedCount => Volatile.Read(ref _ackedCount);

    /// <summary>Requests written off (no answer in time), other replies than 200 included.</summary>
    public int Failed { get; private set; }

    /// <summary>The users whose REGISTER was answered 200 OK (complete once <see cref="Run"/> returned).</summary>
    public IReadOnlyList<int> Acked => _acked;

    /// <summary>Asks <see cref="Run"/> to stop; it still reads, for a short drain, what was already answered.</summary>
    public void Stop() => _stop = true;

    /// <summary>Runs until <paramref name="duration"/> has passed or <see cref="Stop"/> was called.</summary>
    public void Run(TimeSpan duration)
    {
        if (_cpu >= 0)
        {
            CpuAffinity.PinCurrentThread(_cpu);
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Blocking = false;
        var sentAt = new Dictionary<int, long>();
        byte[] buffer = new byte[4096];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int next = 0;
        long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long drainUntil = long.MaxValue;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (drainUntil == long.MaxValue && (_stop || now >= end))
            {
                drainUntil = now + Stopwatch.Frequency / 5;
            }

            if (now >= drainUntil)
            {
                break;
            }

            while (drainUntil == long.MaxValue && sentAt.Count < _window)
            {
                byte[] request = Encoding.ASCII.GetBytes(RegisterClient.Register(_prefix, next, withContact: true, cseq: 1));
                socket.SendTo(request, _server);
                sentAt[next++] = now;
            }

            int length;
            try
            {
                length = socket.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                if (_cpu < 0)
                {
                    socket.Poll(1000, SelectMode.SelectRead);
                }

                WriteOff(sentAt, now);
                continue;
            }

            string reply = Encoding.ASCII.GetString(buffer, 0, length);
            if (!TryUser(reply, out int user) || !sentAt.Remove(user))
            {
                continue;
            }

            if (reply.StartsWith("SIP/2.0 200 ", StringComparison.Ordinal))
            {
                _acked.Add(user);
                Interlocked.Increment(ref _ackedCount);
            }
            else
            {
                Failed++;
            }
        }
    }

    private void WriteOff(Dictionary<int, long> sentAt, long now)
    {
        long limit = now - GiveUpMs * Stopwatch.Frequency / 1000;
        foreach ((int user, long at) in sentAt)
        {
            if (at < limit)
            {
                sentAt.Remove(user);
                Failed++;
            }
        }
    }

    // The Via branch is z9hG4bK-<prefix><user>-<cseq>.
    private bool TryUser(string reply, out int user)
    {
        user = -1;
        string marker = "branch=z9hG4bK-" + _prefix;
        int at = reply.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }

        int start = at + marker.Length;
        int dash = reply.IndexOf('-', start);
        return dash > start && int.TryParse(reply.AsSpan(start, dash - start), out user);
    }
}
