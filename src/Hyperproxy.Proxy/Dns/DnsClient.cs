using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Hyperproxy.Proxy.Dns;

/// <summary>
/// A stub resolver of our own (RFC 1035 §4.2): a query goes over UDP to each nameserver in turn, <see cref="Attempts"/>
/// rounds, waiting <see cref="Timeout"/> for each; an answer with TC set is asked again over TCP (§4.2.2). Each query has
/// a socket of its own (a fresh source port) and a random id, and only an answer from the server asked, with that id and
/// question, is taken. Off the hot path: the resolver thread awaits it.
/// </summary>
public sealed class DnsClient
{
    private const int MaxUdpAnswer = 4096;

    public DnsClient(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout, int attempts)
    {
        if (servers.Count == 0)
        {
            throw new ArgumentException("no DNS server", nameof(servers));
        }

        Servers = [.. servers];
        Timeout = timeout;
        Attempts = Math.Max(1, attempts);
    }

    public IReadOnlyList<IPEndPoint> Servers { get; }

    /// <summary>resolv.conf's <c>search</c> (or <c>domain</c>) list: the domains a name with fewer than <see cref="Ndots"/> dots is
    /// tried in first (<see cref="SipLocator"/>); empty: names are asked as they are.</summary>
    public IReadOnlyList<string> Search { get; init; } = [];

    /// <summary>resolv.conf's <c>options ndots:N</c> (1 by default, at most 15).</summary>
    public int Ndots { get; init; } = 1;

    public TimeSpan Timeout { get; }

    public int Attempts { get; }

    /// <summary>The servers and options of <c>/etc/resolv.conf</c> (<c>nameserver</c>, <c>search</c>/<c>domain</c>,
    /// <c>options timeout:N attempts:N ndots:N</c>); 127.0.0.1:53 when it names none.</summary>
    public static DnsClient FromResolvConf(string path = "/etc/resolv.conf")
    {
        var servers = new List<IPEndPoint>();
        int timeout = 5;
        int attempts = 2;
        int ndots = 1;
        List<string> search = [];
        string[] lines = File.Exists(path) ? File.ReadAllLines(path) : [];
        foreach (string raw in lines)
        {
            string[] words = raw.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || words[0].StartsWith('#') || words[0].StartsWith(';'))
            {
                continue;
            }

            if (words[0] == "nameserver" && IPAddress.TryParse(words[1].Split('%')[0], out IPAddress? address) && servers.Count < 3)
            {
                servers.Add(new IPEndPoint(address, 53));
            }
            else if (words[0] is "search" or "domain")
            {
                // The last search or domain line wins (resolv.conf(5)); a domain names one.
                search = [];
                foreach (string domain in words.AsSpan(1))
                {
                    string trimmed = domain.TrimEnd('.');
                    if (trimmed.Length > 0 && search.Count < 6 && !search.Contains(trimmed, StringComparer.OrdinalIgnoreCase))
                    {
                        search.Add(trimmed);
                    }
                }
            }
            else if (words[0] == "options")
            {
                foreach (string option in words.AsSpan(1))
                {
                    if (option.StartsWith("timeout:", StringComparison.Ordinal) && int.TryParse(option.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out int t))
                    {
                        timeout = Math.Clamp(t, 1, 30);
                    }
                    else if (option.StartsWith("attempts:", StringComparison.Ordinal) && int.TryParse(option.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out int a))
                    {
                        attempts = Math.Clamp(a, 1, 5);
                    }
                    else if (option.StartsWith("ndots:", StringComparison.Ordinal) && int.TryParse(option.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out int d))
                    {
                        ndots = Math.Clamp(d, 0, 15);
                    }
                }
            }
        }

        if (servers.Count == 0)
        {
            servers.Add(new IPEndPoint(IPAddress.Loopback, 53));
        }

        return new DnsClient(servers, TimeSpan.FromSeconds(timeout), attempts) { Search = search, Ndots = ndots };
    }

    /// <summary>Parses <c>IP[:PORT]</c> or <c>[IPv6]:PORT</c> (port 53 by default).</summary>
    public static bool TryParseServer(string text, out IPEndPoint? server)
    {
        server = null;
        if (IPAddress.TryParse(text, out IPAddress? plain))
        {
            server = new IPEndPoint(plain, 53);
            return true;
        }

        if (IPEndPoint.TryParse(text, out IPEndPoint? endPoint) && endPoint.Port != 0)
        {
            server = endPoint;
            return true;
        }

        return false;
    }

    /// <summary>Asks for <paramref name="name"/>/<paramref name="type"/>; <see cref="DnsStatus.Failed"/> when no server gave a usable answer.</summary>
    public async Task<DnsAnswer> QueryAsync(string name, DnsType type, CancellationToken cancel = default)
    {
        byte[] query = new byte[512];
        ushort id = (ushort)RandomNumberGenerator.GetInt32(0, 65536);
        int length = DnsWire.WriteQuery(query, id, name, type);
        if (length == 0)
        {
            return new DnsAnswer { Status = DnsStatus.NoRecords }; // not a DNS name: nothing will resolve it
        }

        DnsAnswer last = DnsAnswer.Fail();
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            foreach (IPEndPoint server in Servers)
            {
                cancel.ThrowIfCancellationRequested();
                DnsAnswer answer = await AskUdpAsync(server, query.AsMemory(0, length), id, name, type, cancel).ConfigureAwait(false);
                if (answer.Truncated)
                {
                    answer = await AskTcpAsync(server, query.AsMemory(0, length), id, name, type, cancel).ConfigureAwait(false);
                }

                if (answer.Status != DnsStatus.Failed)
                {
                    return answer;
                }

                last = answer;
            }
        }

        return last;
    }

    private async Task<DnsAnswer> AskUdpAsync(IPEndPoint server, ReadOnlyMemory<byte> query, ushort id, string name, DnsType type, CancellationToken cancel)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(Timeout);
        byte[] buffer = new byte[MaxUdpAnswer];
        try
        {
            await socket.ConnectAsync(server, timeout.Token).ConfigureAwait(false);
            await socket.SendAsync(query, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            for (int stray = 0; stray < 16; stray++)
            {
                int received = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (received >= 2 && BinaryPrimitives.ReadUInt16BigEndian(buffer) == id)
                {
                    return DnsWire.Parse(buffer.AsSpan(0, received), id, name, type);
                }
            }
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            // this server did not answer in time
        }
        catch (SocketException)
        {
            // ICMP port unreachable (connection refused) and the like
        }

        return DnsAnswer.Fail();
    }

    private async Task<DnsAnswer> AskTcpAsync(IPEndPoint server, ReadOnlyMemory<byte> query, ushort id, string name, DnsType type, CancellationToken cancel)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(Timeout);
        try
        {
            await socket.ConnectAsync(server, timeout.Token).ConfigureAwait(false);
            byte[] framed = new byte[query.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.CopyTo(framed.AsMemory(2));
            await socket.SendAsync(framed, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            byte[] prefix = new byte[2];
            if (!await ReadExactlyAsync(socket, prefix, timeout.Token).ConfigureAwait(false))
            {
                return DnsAnswer.Fail();
            }

            byte[] message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
            if (!await ReadExactlyAsync(socket, message, timeout.Token).ConfigureAwait(false))
            {
                return DnsAnswer.Fail();
            }

            DnsAnswer answer = DnsWire.Parse(message, id, name, type);
            answer.Truncated = false;
            return answer;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
        }
        catch (SocketException)
        {
        }

        return DnsAnswer.Fail();
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancel)
    {
        int at = 0;
        while (at < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[at..], SocketFlags.None, cancel).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            at += n;
        }

        return true;
    }
}
