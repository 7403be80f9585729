using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Hosting;
using Hyperproxy.Proxy.Dns;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// Host names to addresses (RFC 3263 §4) without ever blocking a worker. Workers look a name up in a copy-on-write
/// table (no lock, no allocation) keyed by the name and what it is looked up for (<see cref="NextHopMode"/>: A/AAAA on a
/// given port, SRV of one transport, or NAPTR → SRV → A/AAAA when the URI names neither port nor transport). A miss asks
/// the resolver thread and the worker goes on — the request that missed is dropped and counted, its retransmission
/// finds the answer. Every target is kept in order (SRV priority, then weighted random; each target's addresses) for tm's
/// failover. With our own <see cref="DnsClient"/> answers live their TTL (at least <see cref="MinimumTtl"/>, at most
/// <see cref="MaximumTtl"/>) and negative answers their SOA's (RFC 2308) or <see cref="NegativeTtl"/> when a server failed;
/// with the system resolver (a test's function) <see cref="PositiveTtl"/>, A/AAAA only. An expired answer is still used
/// while it is asked again.
/// </summary>
public sealed class NextHopResolver : IDisposable
{
    public static readonly TimeSpan PositiveTtl = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan NegativeTtl = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MinimumTtl = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaximumTtl = TimeSpan.FromHours(1);

    /// <summary>Resolutions running at once on the resolver thread's behalf.</summary>
    private const int MaxInFlight = 64;

    private readonly BlockingCollection<(string Name, NextHopMode Mode)> _queue = new(new ConcurrentQueue<(string, NextHopMode)>(), 4096);
    private readonly ConcurrentDictionary<(string, NextHopMode), byte> _pending = new(PendingComparer.Instance);
    private readonly Func<string, IPAddress[]>? _resolve;
    private readonly SipLocator? _locator;
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight);
    private readonly Thread _thread;
    private readonly object _writeGate = new();
    private volatile Entry[] _table = new Entry[64];
    private int _count;

    /// <summary>A/AAAA through <paramref name="resolve"/> (the system resolver by default; tests pass a table). No SRV/NAPTR.</summary>
    public NextHopResolver(Func<string, IPAddress[]>? resolve = null)
    {
        _resolve = resolve ?? System.Net.Dns.GetHostAddresses;
        _thread = new Thread(Run) { IsBackground = true, Name = "hp-resolver" };
        _thread.Start();
    }

    /// <summary>RFC 3263 through our own DNS client.</summary>
    public NextHopResolver(SipLocator locator)
    {
        _locator = locator;
        _thread = new Thread(Run) { IsBackground = true, Name = "hp-resolver" };
        _thread.Start();
    }

    /// <summary>True when SRV/NAPTR are asked (our DNS client); false for the system resolver (A/AAAA).</summary>
    public bool Locates => _locator is not null;

    /// <summary>The answer for a name.</summary>
    public enum Result
    {
        Found,
        Pending,
        Unresolvable,
    }

    /// <summary>
    /// Looks <paramref name="host"/> up (a name, not a numeric address). <paramref name="preferred"/>
    /// picks the family when the name has both. A miss or an expired answer queues a resolution.
    /// </summary>
    public Result Lookup(ReadOnlySpan<byte> host, int port, NetAddressFamily preferred, out NetAddress address) =>
        Lookup(host, port, NextHopMode.Address, preferred, 0, out address, out _);

    /// <summary>The <paramref name="index"/>-th address of <paramref name="host"/> for A/AAAA on <paramref name="port"/>.</summary>
    public Result Lookup(ReadOnlySpan<byte> host, int port, NetAddressFamily preferred, int index, out NetAddress address) =>
        Lookup(host, port, NextHopMode.Address, preferred, index, out address, out _);

    /// <summary>
    /// The <paramref name="index"/>-th target of <paramref name="host"/> looked up for <paramref name="mode"/> (RFC 3263
    /// §4.3: the next one to try after a failure): the preferred family's targets in order, then the other family's.
    /// Unresolvable when the name has fewer. <paramref name="port"/> is used for <see cref="NextHopMode.Address"/> and
    /// with the system resolver; otherwise each target carries its own (SRV, or the transport's default), and
    /// <paramref name="protocol"/> is the transport NAPTR/SRV chose (for <see cref="NextHopMode.Address"/> the caller's).
    /// </summary>
    public Result Lookup(ReadOnlySpan<byte> host, int port, NextHopMode mode, NetAddressFamily preferred, int index, out NetAddress address,
        out TransportProtocol protocol)
    {
        address = default;
        protocol = TransportProtocol.Udp;
        if (_locator is null)
        {
            mode = NextHopMode.Address; // the system resolver knows A/AAAA only
        }

        Entry[] table = _table;
        long now = Environment.TickCount64;
        int mask = table.Length - 1;
        for (int i = Hash(host, mode) & mask, probes = 0; probes < table.Length; i = (i + 1) & mask, probes++)
        {
            Entry? e = table[i];
            if (e is null)
            {
                break;
            }

            if (e.Mode != mode || !Ascii.EqualsIgnoreCase(e.Name, host))
            {
                continue;
            }

            if (e.ExpiresAt < now)
            {
                Request(host, mode);
            }

            NetAddress[] first = preferred == NetAddressFamily.IPv6 ? e.V6 : e.V4;
            NetAddress[] second = preferred == NetAddressFamily.IPv6 ? e.V4 : e.V6;
            if ((uint)index >= (uint)(first.Length + second.Length))
            {
                return Result.Unresolvable;
            }

            address = index < first.Length ? first[index] : second[index - first.Length];
            if (!e.HasPorts)
            {
                address = address.WithPort(port);
            }

            protocol = e.Protocol;
            return Result.Found;
        }

        Request(host, mode);
        return Result.Pending;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(2));
    }

    /// <summary>Waits until <paramref name="host"/> has an answer (found or failed); for start-up checks and tests.</summary>
    public bool WaitFor(string host, TimeSpan timeout, NextHopMode mode = NextHopMode.Address)
    {
        byte[] name = Encoding.ASCII.GetBytes(host);
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Lookup(name, 0, mode, NetAddressFamily.IPv4, 0, out _, out _) != Result.Pending)
            {
                return true;
            }

            Thread.Sleep(5);
        }

        return false;
    }

    private void Request(ReadOnlySpan<byte> host, NextHopMode mode)
    {
        // Cold path: a miss. The string is what the resolvers take.
        string name = Encoding.ASCII.GetString(host);
        if (_pending.TryAdd((name, mode), 0) && !_queue.TryAdd((name, mode)))
        {
            _pending.TryRemove((name, mode), out _);
        }
    }

    private void Run()
    {
        foreach ((string name, NextHopMode mode) in _queue.GetConsumingEnumerable())
        {
            if (_locator is not null)
            {
                _inFlight.Wait();
                _ = LocateAsync(name, mode);
                continue;
            }

            var v4 = new List<NetAddress>();
            var v6 = new List<NetAddress>();
            try
            {
                // Every address, in the resolver's order (at most MaxAddresses per family): tm fails over to the next one.
                foreach (IPAddress a in _resolve!(name))
                {
                    Add(v4, v6, a, 0);
                }
            }
            catch (Exception e) when (e is SocketException or ArgumentException)
            {
                Log.Info($"resolver: {name}: {e.Message}");
            }

            TimeSpan ttl = v4.Count == 0 && v6.Count == 0 ? NegativeTtl : PositiveTtl;
            Publish(new Entry(Encoding.ASCII.GetBytes(name), mode, v4.ToArray(), v6.ToArray(), false, TransportProtocol.Udp,
                Environment.TickCount64 + (long)ttl.TotalMilliseconds));
            _pending.TryRemove((name, mode), out _);
        }
    }

    private async Task LocateAsync(string name, NextHopMode mode)
    {
        try
        {
            SipLocation location = await _locator!.LocateAsync(name, mode).ConfigureAwait(false);
            var v4 = new List<NetAddress>();
            var v6 = new List<NetAddress>();
            foreach (SipTarget target in location.Targets)
            {
                Add(v4, v6, target.Address, target.Port);
            }

            TimeSpan ttl;
            if (v4.Count + v6.Count > 0)
            {
                ttl = TimeSpan.FromSeconds(Math.Clamp(location.Ttl, MinimumTtl.TotalSeconds, MaximumTtl.TotalSeconds));
            }
            else
            {
                Log.Info($"resolver: {name}: {(location.Failed ? "no DNS server answered" : "no address")}");
                ttl = location.Failed ? NegativeTtl : TimeSpan.FromSeconds(Math.Clamp(location.Ttl, MinimumTtl.TotalSeconds, NegativeTtl.TotalSeconds * 12));
            }

            Publish(new Entry(Encoding.ASCII.GetBytes(name), mode, v4.ToArray(), v6.ToArray(), location.HasPorts, location.Protocol,
                Environment.TickCount64 + (long)ttl.TotalMilliseconds));
        }
        catch (Exception e)
        {
            // A bug here must not stop resolution of other names; the name answers as unresolvable for a while.
            Log.Error($"resolver: {name}: {e.Message}");
            Publish(new Entry(Encoding.ASCII.GetBytes(name), mode, [], [], false, TransportProtocol.Udp,
                Environment.TickCount64 + (long)NegativeTtl.TotalMilliseconds));
        }
        finally
        {
            _pending.TryRemove((name, mode), out _);
            _inFlight.Release();
        }
    }

    private static void Add(List<NetAddress> v4, List<NetAddress> v6, IPAddress a, int port)
    {
        if (a.AddressFamily == AddressFamily.InterNetwork && v4.Count < MaxAddresses)
        {
            v4.Add(NetAddress.FromIPEndPoint(new IPEndPoint(a, port)));
        }
        else if (a.AddressFamily == AddressFamily.InterNetworkV6 && v6.Count < MaxAddresses)
        {
            v6.Add(NetAddress.FromIPEndPoint(new IPEndPoint(a, port)));
        }
    }

    private void Publish(Entry entry)
    {
        lock (_writeGate)
        {
            Entry[] old = _table;
            int size = old.Length;
            while ((_count + 1) * 2 > size)
            {
                size *= 2;
            }

            var table = new Entry[size];
            _count = 0;
            foreach (Entry? e in old)
            {
                if (e is not null && (e.Mode != entry.Mode || !Ascii.EqualsIgnoreCase(e.Name, entry.Name)))
                {
                    Insert(table, e);
                    _count++;
                }
            }

            Insert(table, entry);
            _count++;
            _table = table;
        }
    }

    private static void Insert(Entry[] table, Entry entry)
    {
        int mask = table.Length - 1;
        int i = Hash(entry.Name, entry.Mode) & mask;
        while (table[i] is not null)
        {
            i = (i + 1) & mask;
        }

        table[i] = entry;
    }

    private static int Hash(ReadOnlySpan<byte> name, NextHopMode mode)
    {
        uint h = 2166136261 ^ (uint)mode;
        foreach (byte b in name)
        {
            h = (h ^ (uint)(b | 0x20)) * 16777619;
        }

        return (int)(h & 0x7FFFFFFF);
    }

    /// <summary>Addresses kept per family and name.</summary>
    public const int MaxAddresses = 16;

    private sealed record Entry(byte[] Name, NextHopMode Mode, NetAddress[] V4, NetAddress[] V6, bool HasPorts, TransportProtocol Protocol, long ExpiresAt);

    private sealed class PendingComparer : IEqualityComparer<(string, NextHopMode)>
    {
        public static readonly PendingComparer Instance = new();

        public bool Equals((string, NextHopMode) x, (string, NextHopMode) y) =>
            x.Item2 == y.Item2 && string.Equals(x.Item1, y.Item1, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode((string, NextHopMode) obj) => HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Item1), obj.Item2);
    }
}
