using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Dispatcher;

/// <summary>
/// Health probing (OpenSIPS's <c>ds_ping_interval</c>): every interval, each destination that needs it (probing
/// state; every non-inactive one with <c>ds_probing_mode</c> 1 or the row's <c>probe_mode</c> 1) gets an OPTIONS
/// (<c>ds_ping_method</c>, From <c>ds_ping_from</c>) as a non-INVITE client transaction: retransmitted from T1
/// doubling to T2, given up after tm's <c>fr_timeout</c> (a 408). A 200 or an <c>options_reply_codes</c> code makes the
/// destination active; anything else counts a failure (an active destination turns probing at
/// <c>ds_probing_threshold</c>). Runs on its own thread with its own UDP socket on the first listener's address,
/// never on a worker; results reach the workers as a new <see cref="DispatcherSnapshot"/>.
/// </summary>
public sealed class DispatcherProber : IDisposable
{
    private readonly DispatcherModule _module;
    private readonly Socket _socket;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<long, Probe> _pending = [];
    private readonly byte[] _receive = new byte[65536];
    private readonly SipMessage _reply = new();
    private readonly string _host;
    private readonly int _port;
    private long _sequence;
    private long _sent;
    private long _answered;
    private long _failed;

    private DispatcherProber(DispatcherModule module, Socket socket)
    {
        _module = module;
        _socket = socket;
        var local = (IPEndPoint)socket.LocalEndPoint!;
        _host = local.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{local.Address}]" : local.Address.ToString();
        _port = local.Port;
        _thread = new Thread(Run) { IsBackground = true, Name = "hp-ds-prober" };
    }

    /// <summary>Probe datagrams sent (retransmissions included).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Probes answered with 200 or an <c>options_reply_codes</c> code.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Probes that timed out or got another final code.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Where the probes leave from.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>
    /// Starts probing when the script asks for it (<c>ds_ping_interval</c> &gt; 0 and a table is loaded), from an
    /// ephemeral UDP port on <paramref name="listenAddress"/>'s IP; null otherwise.
    /// </summary>
    public static DispatcherProber? StartFor(DispatcherModule module, IPAddress listenAddress)
    {
        if (!module.Loaded || module.PingInterval <= 0)
        {
            return null;
        }

        IPAddress bind = listenAddress.Equals(IPAddress.Any) ? IPAddress.Loopback
            : listenAddress.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : listenAddress;
        var socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(bind, 0));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var prober = new DispatcherProber(module, socket);
        prober._thread.Start();
        return prober;
    }

    private void Run()
    {
        long nextRound = Environment.TickCount64;
        while (!_stop.IsCancellationRequested)
        {
            long now = Environment.TickCount64;
            if (now >= nextRound)
            {
                Round(now);
                nextRound = now + (_module.PingInterval * 1000L);
            }

            long due = nextRound;
            foreach (Probe p in _pending.Values)
            {
                due = Math.Min(due, Math.Min(p.NextSend, p.Deadline));
            }

            int waitMs = (int)Math.Clamp(due - Environment.TickCount64, 1, 50);
            try
            {
                if (_socket.Poll(waitMs * 1000, SelectMode.SelectRead))
                {
                    Receive();
                }
            }
            catch (SocketException)
            {
                // An ICMP error surfaced on the socket (a destination's port is closed): the timeout decides.
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            Timers(Environment.TickCount64);
        }
    }

    private void Round(long now)
    {
        DispatcherSnapshot snap = _module.Snapshot;
        foreach (DispatcherDestination d in snap.Data.All)
        {
            byte state = snap.States[d.Index];
            if (state == DispatcherState.Inactive)
            {
                continue; // OpenSIPS never probes an inactive destination
            }

            if (state != DispatcherState.Probing && _module.ProbingMode == 0 && d.ProbeMode == 0)
            {
                continue;
            }

            if (IsPending(snap.Data, d.Index) || !TryTarget(d, out IPEndPoint? target))
            {
                continue;
            }

            long seq = ++_sequence;
            byte[] bytes = Build(d, seq);
            (int t1, _) = _module.ProbeTimers;
            var probe = new Probe(snap.Data, d.Index, bytes, target!, now + t1, t1, now + _module.ProbeTimeoutMs);
            _pending[seq] = probe;
            Send(probe);
        }
    }

    private bool IsPending(DispatcherData data, int index)
    {
        foreach (Probe p in _pending.Values)
        {
            if (p.Index == index && ReferenceEquals(p.Data, data))
            {
                return true;
            }
        }

        return false;
    }

    private bool TryTarget(DispatcherDestination d, out IPEndPoint? target)
    {
        target = null;
        string du = Encoding.ASCII.GetString(d.Du);
        if (du.Contains(";transport=", StringComparison.OrdinalIgnoreCase) && !du.Contains(";transport=udp", StringComparison.OrdinalIgnoreCase))
        {
            return false; // probes go over UDP only
        }

        foreach (NetAddress a in d.Addresses)
        {
            IPEndPoint ep = a.ToIPEndPoint();
            if (ep.AddressFamily == _socket.AddressFamily)
            {
                target = ep;
                return true;
            }
        }

        return false;
    }

    private byte[] Build(DispatcherDestination d, long seq)
    {
        string method = _module.PingMethod;
        int maxForwards = _module.PingMaxForwards > 0 ? _module.PingMaxForwards : 70;
        string text = $"{method} {d.Uri} SIP/2.0\r\n"
            + $"Via: SIP/2.0/UDP {_host}:{_port};branch=z9hG4bKds{seq:x}p{Environment.ProcessId:x}\r\n"
            + $"Max-Forwards: {maxForwards}\r\n"
            + $"From: <{_module.PingFrom}>;tag=ds{seq:x}\r\n"
            + $"To: <{d.Uri}>\r\n"
            + $"Call-ID: ds-{seq:x}-{Environment.ProcessId:x}@{_host}\r\n"
            + $"CSeq: 1 {method}\r\n"
            + "Content-Length: 0\r\n\r\n";
        return Encoding.ASCII.GetBytes(text);
    }

    private void Send(Probe p)
    {
        try
        {
            _socket.SendTo(p.Bytes, p.Target);
            Interlocked.Increment(ref _sent);
        }
        catch (SocketException)
        {
            // unreachable right now: retransmissions and the timeout decide
        }
    }

    private void Receive()
    {
        EndPoint from = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (_socket.Available > 0)
        {
            int n = _socket.ReceiveFrom(_receive, ref from);
            if (_reply.Parse(_receive, 0, n) != SipError.None || _reply.IsRequest)
            {
                continue;
            }

            ReadOnlySpan<byte> branch = _reply.TopViaBranch.IsPresent ? _reply.Span(_reply.TopViaBranch) : default;
            if (!TrySequence(branch, out long seq) || !_pending.TryGetValue(seq, out Probe? probe))
            {
                continue;
            }

            int code = _reply.StatusCode;
            if (code < 200)
            {
                probe.Provisional = true;
                continue;
            }

            _pending.Remove(seq);
            Finish(probe, code);
        }
    }

    private static bool TrySequence(ReadOnlySpan<byte> branch, out long seq)
    {
        seq = 0;
        ReadOnlySpan<byte> prefix = "z9hG4bKds"u8;
        if (!branch.StartsWith(prefix))
        {
            return false;
        }

        branch = branch[prefix.Length..];
        int end = branch.IndexOf((byte)'p');
        return end > 0 && long.TryParse(Encoding.ASCII.GetString(branch[..end]), System.Globalization.NumberStyles.HexNumber, null, out seq);
    }

    private void Timers(long now)
    {
        List<long>? done = null;
        foreach ((long seq, Probe p) in _pending)
        {
            if (now >= p.Deadline)
            {
                (done ??= []).Add(seq);
                continue;
            }

            if (!p.Provisional && now >= p.NextSend)
            {
                (_, int t2) = _module.ProbeTimers;
                p.Interval = Math.Min(p.Interval * 2, t2);
                p.NextSend = now + p.Interval;
                Send(p);
            }
        }

        if (done is null)
        {
            return;
        }

        foreach (long seq in done)
        {
            Probe p = _pending[seq];
            _pending.Remove(seq);
            Finish(p, 408);
        }
    }

    private void Finish(Probe p, int code)
    {
        bool ok = code == 200 || Array.IndexOf(_module.ReplyCodes, code) >= 0;
        if (ok)
        {
            Interlocked.Increment(ref _answered);
            _module.ProbeSucceeded(p.Data, p.Index);
        }
        else
        {
            Interlocked.Increment(ref _failed);
            _module.ProbeFailed(p.Data, p.Index);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(2));
        _socket.Dispose();
        _stop.Dispose();
    }

    private sealed class Probe(DispatcherData data, int index, byte[] bytes, IPEndPoint target, long nextSend, int interval, long deadline)
    {
        public DispatcherData Data { get; } = data;

        public int Index { get; } = index;

        public byte[] Bytes { get; } = bytes;

        public IPEndPoint Target { get; } = target;

        public long NextSend { get; set; } = nextSend;

        public int Interval { get; set; } = interval;

        public long Deadline { get; } = deadline;

        public bool Provisional { get; set; }
    }
}
