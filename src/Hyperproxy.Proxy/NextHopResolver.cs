using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Hosting;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// Host names to addresses (RFC 3263 as far as the system resolver goes: A and AAAA, every address kept for tm's
/// failover) without
/// ever blocking a worker. Workers look names up in a copy-on-write table (no lock, no
/// allocation); a miss asks the resolver thread and the worker goes on — the request that
/// missed is dropped and counted, its retransmission finds the answer. Answers live
/// <see cref="PositiveTtl"/>, failures <see cref="NegativeTtl"/>.
/// </summary>
public sealed class NextHopResolver : IDisposable
{
    public static readonly TimeSpan PositiveTtl = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan NegativeTtl = TimeSpan.FromSeconds(5);

    private readonly BlockingCollection<string> _queue = new(new ConcurrentQueue<string>(), 4096);
    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.OrdinalIgnoreCase);
    private readonly Func<string, IPAddress[]> _resolve;
    private readonly Thread _thread;
    private readonly object _writeGate = new();
    private volatile Entry[] _table = new Entry[64];
    private int _count;

    public NextHopResolver(Func<string, IPAddress[]>? resolve = null)
    {
        _resolve = resolve ?? Dns.GetHostAddresses;
        _thread = new Thread(Run) { IsBackground = true, Name = "hp-resolver" };
        _thread.Start();
    }

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
        Lookup(host, port, preferred, 0, out address);

    /// <summary>
    /// The <paramref name="index"/>-th address of <paramref name="host"/> (RFC 3263 §4.3: the next one to try after a
    /// failure): the preferred family's addresses in the resolver's order, then the other family's. Unresolvable when
    /// the name has fewer.
    /// </summary>
    public Result Lookup(ReadOnlySpan<byte> host, int port, NetAddressFamily preferred, int index, out NetAddress address)
    {
        address = default;
        Entry[] table = _table;
        long now = Environment.TickCount64;
        int mask = table.Length - 1;
        for (int i = Hash(host) & mask, probes = 0; probes < table.Length; i = (i + 1) & mask, probes++)
        {
            Entry? e = table[i];
            if (e is null)
            {
                break;
            }

            if (!Ascii.EqualsIgnoreCase(e.Name, host))
            {
                continue;
            }

            if (e.ExpiresAt < now)
            {
                Request(host);
            }

            NetAddress[] first = preferred == NetAddressFamily.IPv6 ? e.V6 : e.V4;
            NetAddress[] second = preferred == NetAddressFamily.IPv6 ? e.V4 : e.V6;
            if ((uint)index >= (uint)(first.Length + second.Length))
            {
                return Result.Unresolvable;
            }

            address = (index < first.Length ? first[index] : second[index - first.Length]).WithPort(port);
            return Result.Found;
        }

        Request(host);
        return Result.Pending;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(2));
    }

    /// <summary>Waits until <paramref name="host"/> has an answer (found or failed); for start-up checks and tests.</summary>
    public bool WaitFor(string host, TimeSpan timeout)
    {
        byte[] name = Encoding.ASCII.GetBytes(host);
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Lookup(name, 0, NetAddressFamily.IPv4, out _) != Result.Pending)
            {
                return true;
            }

            Thread.Sleep(5);
        }

        return false;
    }

    private void Request(ReadOnlySpan<byte> host)
    {
        // Cold path: a miss. The string is what the system resolver takes.
        string name = Encoding.ASCII.GetString(host);
        if (_pending.TryAdd(name, 0) && !_queue.TryAdd(name))
        {
            _pending.TryRemove(name, out _);
        }
    }

    private void Run()
    {
        foreach (string name in _queue.GetConsumingEnumerable())
        {
            var v4 = new List<NetAddress>();
            var v6 = new List<NetAddress>();
            try
            {
                // Every address, in the resolver's order (at most MaxAddresses per family): tm fails over to the next one.
                foreach (IPAddress a in _resolve(name))
                {
                    if (a.AddressFamily == AddressFamily.InterNetwork && v4.Count < MaxAddresses)
                    {
                        v4.Add(NetAddress.FromIPEndPoint(new IPEndPoint(a, 0)));
                    }
                    else if (a.AddressFamily == AddressFamily.InterNetworkV6 && v6.Count < MaxAddresses)
                    {
                        v6.Add(NetAddress.FromIPEndPoint(new IPEndPoint(a, 0)));
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ArgumentException)
            {
                Log.Info($"resolver: {name}: {e.Message}");
            }

            TimeSpan ttl = v4.Count == 0 && v6.Count == 0 ? NegativeTtl : PositiveTtl;
            Publish(new Entry(Encoding.ASCII.GetBytes(name), v4.ToArray(), v6.ToArray(), Environment.TickCount64 + (long)ttl.TotalMilliseconds));
            _pending.TryRemove(name, out _);
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
                if (e is not null && !Ascii.EqualsIgnoreCase(e.Name, entry.Name))
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
        int i = Hash(entry.Name) & mask;
        while (table[i] is not null)
        {
            i = (i + 1) & mask;
        }

        table[i] = entry;
    }

    private static int Hash(ReadOnlySpan<byte> name)
    {
        uint h = 2166136261;
        foreach (byte b in name)
        {
            h = (h ^ (uint)(b | 0x20)) * 16777619;
        }

        return (int)(h & 0x7FFFFFFF);
    }

    /// <summary>Addresses kept per family and name.</summary>
    public const int MaxAddresses = 16;

    private sealed record Entry(byte[] Name, NetAddress[] V4, NetAddress[] V6, long ExpiresAt);
}
