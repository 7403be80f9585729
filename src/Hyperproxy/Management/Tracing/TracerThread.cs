using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Hosting;
using Hyperproxy.Modules.Tracer;
using Hyperproxy.Script.Tracing;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Management.Tracing;

/// <summary>
/// The tracer thread (<c>hp-tracer</c>): drains the workers' rings every few milliseconds, counts each message
/// (tracer:traced_messages), keeps it for the dashboard, sends it as HEPv3 over UDP to its trace_id's hep_id
/// (from the script's socket=hep_udp:IP:PORT, else an ephemeral UDP socket) or appends it to its file. Never on a worker; a slow destination only makes
/// the rings fill, which the workers count as drops.
/// </summary>
public sealed class TracerThread : IDisposable
{
    private readonly TracerModule _module;
    private readonly TraceHub _hub;
    private readonly TraceBuffer _buffer;
    private readonly Socket? _hep4;
    private readonly Socket? _hep6;
    private readonly UdpBatchSender? _send4;
    private readonly UdpBatchSender? _send6;
    private readonly NetAddress[] _hepAddresses;
    private readonly IPEndPoint?[] _hepTargets;
    private readonly StreamWriter?[] _files;
    private readonly PcapWriter?[] _pcaps;
    private readonly Thread _thread;
    private volatile bool _stop;

    public TracerThread(TracerModule module, TraceHub hub, IReadOnlyList<IPEndPoint>? hepSockets = null)
    {
        _module = module;
        _hub = hub;
        _buffer = new TraceBuffer(hub, module.KeepMessages);
        _hepTargets = new IPEndPoint?[module.Destinations.Count];
        _hepAddresses = new NetAddress[module.Destinations.Count];
        _files = new StreamWriter?[module.Destinations.Count];
        _pcaps = new PcapWriter?[module.Destinations.Count];
        for (int i = 0; i < module.Destinations.Count; i++)
        {
            TraceDestination d = module.Destinations[i];
            if (d.HepId is { } id)
            {
                HepDestination hep = module.HepIds.First(h => h.Name == id);
                IPAddress address = IPAddress.TryParse(hep.Host, out IPAddress? ip) ? ip
                    : Dns.GetHostAddresses(hep.Host).FirstOrDefault() ?? throw new StartupException($"proto_hep hep_id [{hep.Name}]: {hep.Host} does not resolve");
                _hepTargets[i] = new IPEndPoint(address, hep.Port);
                _hepAddresses[i] = NetAddress.FromIPEndPoint(_hepTargets[i]!);
                if (address.AddressFamily == AddressFamily.InterNetworkV6)
                    _hep6 ??= HepSocket(AddressFamily.InterNetworkV6, hepSockets);
                else
                    _hep4 ??= HepSocket(AddressFamily.InterNetwork, hepSockets);
            }
            else if (d.Pcap is { } pcap)
            {
                try
                {
                    _pcaps[i] = new PcapWriter(pcap);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new StartupException($"tracer trace_id [{d.Name}]: cannot create {pcap}: {e.Message}", e);
                }
            }
            else if (d.File is { } path)
            {
                try
                {
                    _files[i] = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new StartupException($"tracer trace_id [{d.Name}]: cannot open {path}: {e.Message}", e);
                }
            }
        }

        _send4 = _hep4 is null ? null : new UdpBatchSender(_hep4);
        _send6 = _hep6 is null ? null : new UdpBatchSender(_hep6);
        _thread = new Thread(Run) { Name = "hp-tracer", IsBackground = true };
        _thread.Start();
    }

    public TraceBuffer Buffer => _buffer;

    /// <summary>The local address HEP packets to IPv4 destinations leave from (null: none are sent).</summary>
    public IPEndPoint? HepSource4 => (IPEndPoint?)_hep4?.LocalEndPoint;

    /// <summary>
    /// The socket HEP leaves from: bound to the script's first <c>socket=hep_udp:IP:PORT</c> of that family (as
    /// OpenSIPS's proto_hep sends from its hep_udp listener), else an ephemeral one. Hyperproxy does not read
    /// HEP arriving on it (it is no capture server).
    /// </summary>
    private static Socket HepSocket(AddressFamily family, IReadOnlyList<IPEndPoint>? declared)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        foreach (IPEndPoint local in declared ?? [])
        {
            if (local.AddressFamily != family)
                continue;
            try
            {
                socket.Bind(local);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw new StartupException($"socket hep_udp:{local}: cannot bind: {e.Message}", e);
            }

            break;
        }

        return socket;
    }

    /// <summary>HEP packets that could not be sent (the destination refused them, or too large for a datagram).</summary>
    public long SendErrors => _oversized + (_send4?.SendErrors ?? 0) + (_send6?.SendErrors ?? 0);

    private long _oversized;

    private void Run()
    {
        while (!_stop)
        {
            if (DrainOnce() == 0)
                Thread.Sleep(5);
        }

        DrainOnce();
    }

    /// <summary>
    /// Takes everything in the rings now; returns how many messages. Each is read in place from its ring,
    /// kept for the page and encoded straight into the HEP sender's batch (one sendmmsg per 64 packets and
    /// one at the end), so a traced message costs no allocation here.
    /// </summary>
    public int DrainOnce()
    {
        int taken = 0;
        foreach (TraceRing ring in _hub.Rings)
        {
            while (ring.TryPeek(out TraceHeader h, out ReadOnlySpan<byte> message))
            {
                taken++;
                _module.TracedCounter.Add(-1, 1);
                int id = h.TraceId;
                _buffer.Add(h, message, id < _module.Destinations.Count ? _module.Destinations[id].Name : "");
                if (id < _hepTargets.Length)
                {
                    if (_hepTargets[id] is { } target)
                        SendHep(target.AddressFamily == AddressFamily.InterNetworkV6 ? _send6! : _send4!, h, message, _hepAddresses[id]);
                    else if (_pcaps[id] is { } pcap)
                        pcap.Write(h, message);
                    else if (_files[id] is { } file)
                        file.Write($"{DateTimeOffset.FromUnixTimeMilliseconds(h.UnixMicros / 1000):O} {(h.Outgoing ? "out" : "in")} udp:{h.Source} -> udp:{h.Destination}\n{Encoding.UTF8.GetString(message)}\n\n");
                }

                ring.Advance();
            }
        }

        _send4?.Flush();
        _send6?.Flush();
        return taken;
    }

    private void SendHep(UdpBatchSender sender, in TraceHeader h, ReadOnlySpan<byte> message, in NetAddress target)
    {
        int length = HepEncoder.Encode(h, message, (uint)_module.CaptureId, TraceText.CallIdBytes(message), sender.Slot);
        if (length < 0)
            _oversized++;
        else
            sender.Commit(length, target);
    }

    public void Dispose()
    {
        _stop = true;
        if (_thread.Join(TimeSpan.FromSeconds(2)))
        {
            // native batch memory: freed only once the thread that writes it has ended
            _send4?.Dispose();
            _send6?.Dispose();
        }

        _hep4?.Dispose();
        _hep6?.Dispose();
        foreach (StreamWriter? f in _files)
            f?.Dispose();
        foreach (PcapWriter? p in _pcaps)
            p?.Dispose();
    }
}
