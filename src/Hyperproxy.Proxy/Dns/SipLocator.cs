using System.Net;
using System.Net.Sockets;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy.Dns;

/// <summary>
/// RFC 3263 §4 with our own <see cref="DnsClient"/>: NAPTR (RFC 3403) picks the transport, SRV (RFC 2782) the
/// targets and ports — by priority, then weighted random within a priority — and A/AAAA their addresses.
/// </summary>
public sealed class SipLocator
{
    /// <summary>Targets kept per name (the resolver's bound).</summary>
    public const int MaxTargets = 16;

    private readonly DnsClient _dns;
    private readonly Random _random;

    public SipLocator(DnsClient dns, bool tryNaptr, bool tryIpv6, Func<TransportProtocol, bool> serves, Random? random = null)
    {
        _dns = dns;
        TryNaptr = tryNaptr;
        TryIpv6 = tryIpv6;
        Serves = serves;
        _random = random ?? new Random();
    }

    /// <summary>OpenSIPS core <c>dns_try_naptr</c>.</summary>
    public bool TryNaptr { get; }

    /// <summary>AAAA asked as well as A (OpenSIPS core <c>dns_try_ipv6</c>, or an IPv6 socket).</summary>
    public bool TryIpv6 { get; }

    public Func<TransportProtocol, bool> Serves { get; }

    /// <summary>
    /// Names answered from a hosts file before DNS is asked for A/AAAA (as the system resolver does with /etc/hosts;
    /// SRV and NAPTR always go to DNS). Kept <see cref="HostsTtl"/> seconds.
    /// </summary>
    public IReadOnlyDictionary<string, List<IPAddress>> Hosts { get; init; } = new Dictionary<string, List<IPAddress>>();

    public const uint HostsTtl = 60;

    /// <summary>The name → addresses of a hosts file (<c>ADDRESS NAME [ALIAS...]</c>, <c>#</c> comments); empty when there is none.</summary>
    public static Dictionary<string, List<IPAddress>> ReadHosts(string path = "/etc/hosts")
    {
        var hosts = new Dictionary<string, List<IPAddress>>(StringComparer.OrdinalIgnoreCase);
        if (!File.Exists(path))
        {
            return hosts;
        }

        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Split('#')[0];
            string[] words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || !IPAddress.TryParse(words[0], out IPAddress? address))
            {
                continue;
            }

            foreach (string name in words.AsSpan(1))
            {
                if (!hosts.TryGetValue(name, out List<IPAddress>? list))
                {
                    hosts[name] = list = [];
                }

                if (!list.Contains(address))
                {
                    list.Add(address);
                }
            }
        }

        return hosts;
    }

    public DnsClient Client => _dns;

    /// <summary>
    /// RFC 3263 §4 for <paramref name="name"/>, qualified as resolv.conf(5) says (<see cref="DnsClient.Search"/>,
    /// <see cref="DnsClient.Ndots"/>): a name with fewer dots than ndots is tried in each search domain first, then as it
    /// is; one with more is tried as it is first; a name ending in a dot, or one of the hosts file, only as it is. The first
    /// candidate that locates anything is the answer; a server that fails ends the search (each further candidate would
    /// wait out the same timeouts).
    /// </summary>
    public async Task<SipLocation> LocateAsync(string name, NextHopMode mode)
    {
        IReadOnlyList<string> search = _dns.Search;
        if (search.Count == 0 || name.EndsWith('.') || Hosts.ContainsKey(name) || System.Net.IPAddress.TryParse(name, out _))
        {
            return await LocateOneAsync(name, mode).ConfigureAwait(false);
        }

        // Off the hot path (the resolver thread, once per name and TTL): a small list of candidates is fine.
        var candidates = new List<string>(search.Count + 1);
        foreach (string domain in search)
        {
            candidates.Add(name + "." + domain);
        }

        candidates.Insert(name.AsSpan().Count('.') >= _dns.Ndots ? 0 : candidates.Count, name);
        SipLocation? least = null;
        foreach (string candidate in candidates)
        {
            SipLocation l = await LocateOneAsync(candidate, mode).ConfigureAwait(false);
            if (l.Failed || l.Targets.Count > 0)
            {
                return l;
            }

            least = least is null || l.Ttl < least.Ttl ? l : least; // nothing anywhere: cached for the shortest negative TTL
        }

        return least!;
    }

    private async Task<SipLocation> LocateOneAsync(string name, NextHopMode mode)
    {
        var location = new SipLocation { Ttl = uint.MaxValue };
        if (mode != NextHopMode.Address && Hosts.ContainsKey(name.TrimEnd('.')))
        {
            // A name of the hosts file (localhost, ...) is no DNS name: its addresses, on the transport's default port.
            location.Protocol = mode switch
            {
                NextHopMode.SrvTcp => TransportProtocol.Tcp,
                NextHopMode.SrvTls or NextHopMode.AnySips => TransportProtocol.Tls,
                _ => TransportProtocol.Udp,
            };
            location.HasPorts = true;
            await AddAddressesAsync(location, name, location.Protocol.DefaultPort()).ConfigureAwait(false);
            return Done(location);
        }

        switch (mode)
        {
            case NextHopMode.Address:
                await AddAddressesAsync(location, name, 0).ConfigureAwait(false);
                return Done(location);
            case NextHopMode.SrvUdp or NextHopMode.SrvTcp or NextHopMode.SrvTls:
            {
                TransportProtocol protocol = mode == NextHopMode.SrvUdp ? TransportProtocol.Udp : mode == NextHopMode.SrvTcp ? TransportProtocol.Tcp : TransportProtocol.Tls;
                location.Protocol = protocol;
                location.HasPorts = true;
                if (!await TrySrvAsync(location, SrvName(protocol, name)).ConfigureAwait(false) && !location.Failed)
                {
                    await AddAddressesAsync(location, name, protocol.DefaultPort()).ConfigureAwait(false);
                }

                return Done(location);
            }
        }

        bool sips = mode == NextHopMode.AnySips;
        location.HasPorts = true;
        // A server that does not answer (or fails) ends the lookup: every further query would wait out the same timeouts.
        if (TryNaptr && (await TryNaptrAsync(location, name, sips).ConfigureAwait(false) || location.Failed))
        {
            return Done(location);
        }

        // §4.1: no (usable) NAPTR: an SRV query for each transport we support; the first that has records is used.
        TransportProtocol[] order = sips ? [TransportProtocol.Tls] : [TransportProtocol.Udp, TransportProtocol.Tcp];
        foreach (TransportProtocol protocol in order)
        {
            if (!Serves(protocol))
            {
                continue;
            }

            location.Protocol = protocol;
            if (await TrySrvAsync(location, SrvName(protocol, name)).ConfigureAwait(false) || location.Failed)
            {
                return Done(location);
            }
        }

        // §4.2: no SRV: A/AAAA, UDP for sip:, TLS for sips:, on the default port.
        location.Protocol = sips ? TransportProtocol.Tls : TransportProtocol.Udp;
        await AddAddressesAsync(location, name, location.Protocol.DefaultPort()).ConfigureAwait(false);
        return Done(location);
    }

    private static SipLocation Done(SipLocation location)
    {
        if (location.Ttl == uint.MaxValue)
        {
            location.Ttl = 0;
        }

        return location;
    }

    private static string SrvName(TransportProtocol protocol, string name) => protocol switch
    {
        TransportProtocol.Udp => "_sip._udp." + name,
        TransportProtocol.Tcp => "_sip._tcp." + name,
        _ => "_sips._tcp." + name,
    };

    /// <summary>§4.1: the NAPTR records of services we serve, by order then preference; the first whose SRV resolves picks the transport.</summary>
    private async Task<bool> TryNaptrAsync(SipLocation location, string name, bool sips)
    {
        DnsAnswer answer = await _dns.QueryAsync(name, DnsType.Naptr).ConfigureAwait(false);
        if (answer.Status != DnsStatus.Ok)
        {
            location.Failed = answer.Status == DnsStatus.Failed;
            return false;
        }

        var usable = new List<(DnsRecord Record, TransportProtocol Protocol)>();
        foreach (DnsRecord r in answer.Records)
        {
            if (!r.Flags.Equals("s", StringComparison.OrdinalIgnoreCase) || r.Target.Length == 0)
            {
                continue;
            }

            TransportProtocol? protocol = r.Service.ToUpperInvariant() switch
            {
                "SIP+D2U" when !sips => TransportProtocol.Udp,
                "SIP+D2T" when !sips => TransportProtocol.Tcp,
                "SIPS+D2T" => TransportProtocol.Tls,
                _ => null,
            };
            if (protocol is { } p && Serves(p))
            {
                usable.Add((r, p));
            }
        }

        usable.Sort(static (a, b) => a.Record.Order != b.Record.Order ? a.Record.Order.CompareTo(b.Record.Order) : a.Record.Preference.CompareTo(b.Record.Preference));
        foreach ((DnsRecord record, TransportProtocol protocol) in usable)
        {
            location.Protocol = protocol;
            if (await TrySrvAsync(location, record.Target).ConfigureAwait(false))
            {
                location.Ttl = Math.Min(location.Ttl, answer.Ttl);
                return true;
            }

            if (location.Failed)
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>The SRV records of <paramref name="srvName"/> ordered (RFC 2782) and their targets' addresses; false when it has none.</summary>
    private async Task<bool> TrySrvAsync(SipLocation location, string srvName)
    {
        DnsAnswer answer = await _dns.QueryAsync(srvName, DnsType.Srv).ConfigureAwait(false);
        if (answer.Status == DnsStatus.Failed)
        {
            location.Failed = true;
            return false;
        }

        if (answer.Status != DnsStatus.Ok)
        {
            location.Ttl = Math.Min(location.Ttl, answer.Ttl);
            return false;
        }

        // RFC 2782: a single record with target "." — the service is decidedly not available at this domain.
        if (answer.Records.Count == 1 && answer.Records[0].Target.Length == 0)
        {
            location.Ttl = Math.Min(location.Ttl, answer.Ttl);
            return true;
        }

        location.Ttl = Math.Min(location.Ttl, answer.Ttl);
        List<DnsRecord> ordered = OrderSrv(answer.Records, _random);
        foreach (DnsRecord r in ordered)
        {
            if (location.Targets.Count >= MaxTargets)
            {
                break;
            }

            if (r.Target.Length > 0)
            {
                await AddAddressesAsync(location, r.Target, r.Port).ConfigureAwait(false);
            }
        }

        return true;
    }

    private async Task AddAddressesAsync(SipLocation location, string name, int port)
    {
        if (Hosts.TryGetValue(name.TrimEnd('.'), out List<IPAddress>? listed))
        {
            location.Ttl = Math.Min(location.Ttl, HostsTtl);
            foreach (IPAddress address in listed)
            {
                if (location.Targets.Count < MaxTargets && (address.AddressFamily == AddressFamily.InterNetwork || TryIpv6))
                {
                    location.Targets.Add(new SipTarget(address, port));
                }
            }

            return;
        }

        Task<DnsAnswer> a = _dns.QueryAsync(name, DnsType.A);
        Task<DnsAnswer>? aaaa = TryIpv6 ? _dns.QueryAsync(name, DnsType.Aaaa) : null;
        DnsAnswer v4 = await a.ConfigureAwait(false);
        DnsAnswer? v6 = aaaa is null ? null : await aaaa.ConfigureAwait(false);
        bool any = false;
        foreach (DnsAnswer? answer in (ReadOnlySpan<DnsAnswer?>)[v4, v6])
        {
            if (answer is null)
            {
                continue;
            }

            if (answer.Status == DnsStatus.Failed)
            {
                continue;
            }

            location.Ttl = Math.Min(location.Ttl, answer.Ttl);
            foreach (DnsRecord r in answer.Records)
            {
                if (location.Targets.Count < MaxTargets && r.Address is not null)
                {
                    location.Targets.Add(new SipTarget(r.Address, port));
                    any = true;
                }
            }
        }

        if (!any && (v4.Status == DnsStatus.Failed || v6 is { Status: DnsStatus.Failed }) && location.Targets.Count == 0)
        {
            location.Failed = true;
        }
    }

    /// <summary>
    /// RFC 2782: ascending priority; within a priority, repeatedly a record chosen at random with probability
    /// proportional to its weight (zero-weight records first in the running sum, so they are rarely picked early).
    /// </summary>
    public static List<DnsRecord> OrderSrv(List<DnsRecord> records, Random random)
    {
        var byPriority = new List<DnsRecord>(records);
        byPriority.Sort(static (a, b) => a.Priority.CompareTo(b.Priority));
        var ordered = new List<DnsRecord>(records.Count);
        var group = new List<DnsRecord>();
        for (int i = 0; i < byPriority.Count;)
        {
            int j = i;
            group.Clear();
            while (j < byPriority.Count && byPriority[j].Priority == byPriority[i].Priority)
            {
                // zero weights at the beginning of the list
                if (byPriority[j].Weight == 0)
                {
                    group.Insert(0, byPriority[j]);
                }
                else
                {
                    group.Add(byPriority[j]);
                }

                j++;
            }

            while (group.Count > 0)
            {
                int sum = 0;
                foreach (DnsRecord r in group)
                {
                    sum += r.Weight;
                }

                int pick = random.Next(0, sum + 1);
                int running = 0;
                int chosen = group.Count - 1;
                for (int k = 0; k < group.Count; k++)
                {
                    running += group[k].Weight;
                    if (running >= pick)
                    {
                        chosen = k;
                        break;
                    }
                }

                ordered.Add(group[chosen]);
                group.RemoveAt(chosen);
            }

            i = j;
        }

        return ordered;
    }
}
