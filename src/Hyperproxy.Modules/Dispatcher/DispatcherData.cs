using System.Globalization;
using System.Net;
using System.Text;
using Hyperproxy.Modules.DbText;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Dispatcher;

/// <summary>
/// The loaded <c>dispatcher</c> table (OpenSIPS's schema, version 8 or 9: <c>setid</c>, <c>destination</c>, and
/// optionally <c>socket</c>, <c>state</c>, <c>probe_mode</c>, <c>weight</c>, <c>priority</c>, <c>attrs</c>,
/// <c>description</c>): sets in order of first appearance, destinations by priority. Immutable; a reload builds a
/// new one. Every refused row names its <c>file:line</c>.
/// </summary>
public sealed class DispatcherData
{
    private DispatcherData(DispatcherSet[] sets, DispatcherDestination[] all, string source)
    {
        Sets = sets;
        All = all;
        Source = source;
        Failures = new int[all.Length];
    }

    public DispatcherSet[] Sets { get; }

    /// <summary>Every destination, indexed by <see cref="DispatcherDestination.Index"/>.</summary>
    public DispatcherDestination[] All { get; }

    /// <summary>The file it was read from.</summary>
    public string Source { get; }

    /// <summary>Consecutive failures per destination (probes, ds_mark_dst("p")); updated with interlocked operations.</summary>
    public int[] Failures { get; }

    /// <summary>The set with id <paramref name="id"/>, or null (a short linear scan: sets are few).</summary>
    public DispatcherSet? Find(int id)
    {
        DispatcherSet[] sets = Sets;
        for (int i = 0; i < sets.Length; i++)
        {
            if (sets[i].Id == id)
            {
                return sets[i];
            }
        }

        return null;
    }

    /// <summary>The position of set <paramref name="id"/> in <see cref="Sets"/>, or -1.</summary>
    public int IndexOf(int id)
    {
        DispatcherSet[] sets = Sets;
        for (int i = 0; i < sets.Length; i++)
        {
            if (sets[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The destination of set <paramref name="setId"/> (any set when negative) whose <c>$du</c> is <paramref name="du"/>.</summary>
    public DispatcherDestination? FindByDu(int setId, ReadOnlySpan<byte> du)
    {
        foreach (DispatcherDestination d in All)
        {
            if ((setId < 0 || d.SetId == setId) && du.SequenceEqual(d.Du))
            {
                return d;
            }
        }

        return null;
    }

    public static DispatcherData Empty(string source) => new([], [], source);

    /// <summary>Reads a table file; throws <see cref="DbTextException"/> with <c>file:line</c> for any row it refuses.</summary>
    public static DispatcherData Load(string path)
    {
        if (File.Exists(path) && IsPlainList(File.ReadAllLines(path)))
        {
            return From(PlainList(path));
        }

        return From(DbTextTable.Load(System.IO.Path.GetDirectoryName(path) ?? ".", System.IO.Path.GetFileName(path)));
    }

    /// <summary>
    /// A file that is not a db_text table (its first line declares no <c>name(type)</c> columns) is the plain list of
    /// OpenSIPS 1.x / Kamailio: <c>setid destination [flags [priority [attrs]]]</c> per line, <c>#</c> comments.
    /// </summary>
    private static bool IsPlainList(string[] lines)
    {
        foreach (string line in lines)
        {
            string t = line.Trim();
            if (t.Length == 0 || t.StartsWith('#'))
            {
                continue;
            }

            return !t.Contains('(', StringComparison.Ordinal);
        }

        return true;
    }

    /// <summary>
    /// The plain list as the <c>dispatcher</c> table: flags 1 or 4 (inactive, disabled) → state 1, 2 (trying) → state 2,
    /// 8 (probing) → probe_mode 1; <c>weight=N</c> in attrs → weight.
    /// </summary>
    private static DbTextTable PlainList(string path)
    {
        string[] names = ["setid", "destination", "state", "probe_mode", "weight", "priority", "attrs"];
        var columns = new List<DbTextColumn>();
        foreach (string n in names)
        {
            columns.Add(new DbTextColumn(n, n is "destination" or "attrs" or "weight" ? DbTextType.String : DbTextType.Int, false, true));
        }

        var rows = new List<byte[]?[]>();
        var lineNumbers = new List<int>();
        string[] lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            string t = lines[i].Trim();
            if (t.Length == 0 || t.StartsWith('#'))
            {
                continue;
            }

            string where = $"{path}:{i + 1}";
            string[] f = t.Split((char[]?)null, 5, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 2)
            {
                throw new DbTextException($"{where}: a line is 'setid destination [flags [priority [attrs]]]'");
            }

            int flags = 0;
            if (f.Length > 2 && !int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out flags))
            {
                throw new DbTextException($"{where}: flags '{f[2]}' is not a number");
            }

            string attrs = f.Length > 4 ? f[4].Trim() : string.Empty;
            string weight = "1";
            foreach (string kv in attrs.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (kv.StartsWith("weight=", StringComparison.OrdinalIgnoreCase))
                {
                    weight = kv[7..];
                }
            }

            int state = (flags & 5) != 0 ? DispatcherState.Inactive : (flags & 2) != 0 ? DispatcherState.Probing : DispatcherState.Active;
            rows.Add(
            [
                Encoding.ASCII.GetBytes(f[0]), Encoding.UTF8.GetBytes(f[1]),
                Encoding.ASCII.GetBytes(state.ToString(CultureInfo.InvariantCulture)), (flags & 8) != 0 ? "1"u8.ToArray() : "0"u8.ToArray(),
                Encoding.ASCII.GetBytes(weight), f.Length > 3 ? Encoding.ASCII.GetBytes(f[3]) : null, attrs.Length > 0 ? Encoding.UTF8.GetBytes(attrs) : null,
            ]);
            lineNumbers.Add(i + 1);
        }

        return DbTextTable.FromRows("dispatcher", path, columns, rows, lineNumbers);
    }

    public static DispatcherData From(DbTextTable table)
    {
        int setid = Required(table, "setid");
        int destination = Required(table, "destination");
        int socket = table.ColumnIndex("socket");
        int state = table.ColumnIndex("state");
        int probeMode = table.ColumnIndex("probe_mode");
        int weight = table.ColumnIndex("weight");
        int priority = table.ColumnIndex("priority");
        int attrs = table.ColumnIndex("attrs");
        int description = table.ColumnIndex("description");
        var rows = new List<(int Set, int Priority, int Order, Func<int, DispatcherDestination> Make)>();
        for (int r = 0; r < table.RowCount; r++)
        {
            int line = table.Line(r);
            string where = $"{table.Path}:{line}";
            int set = Int(table, r, setid, 0, where, "setid");
            string uri = Text(table.Field(r, destination)).Trim();
            if (!TryParseDestination(uri, out byte[] du, out byte[] hostPort, out string host, out int port, out string? why))
            {
                throw new DbTextException($"{where}: destination '{uri}' {why}");
            }

            string? sock = socket >= 0 && table.Field(r, socket) is { Length: > 0 } s ? Encoding.ASCII.GetString(s) : null;
            if (sock is not null && !ValidSocket(sock))
            {
                throw new DbTextException($"{where}: socket '{sock}' is not proto:ip:port (udp:127.0.0.1:5060)");
            }

            int st = Int(table, r, state, 0, where, "state");
            if (st is < 0 or > 2)
            {
                throw new DbTextException($"{where}: state {st} is not 0 (active), 1 (inactive) or 2 (probing)");
            }

            int pm = Int(table, r, probeMode, 0, where, "probe_mode");
            if (pm is not (0 or 1))
            {
                throw new DbTextException($"{where}: probe_mode {pm} is not 0 or 1");
            }

            string weightText = weight >= 0 && table.Field(r, weight) is { } w ? Encoding.ASCII.GetString(w).Trim() : "1";
            if (!int.TryParse(weightText, NumberStyles.None, CultureInfo.InvariantCulture, out int wt) || wt > 1_000_000)
            {
                throw new DbTextException($"{where}: weight '{weightText}' is not a number 0..1000000 (FreeSWITCH weights are not built)");
            }

            int prio = Int(table, r, priority, 0, where, "priority");
            byte[] attr = attrs >= 0 ? table.Field(r, attrs) ?? [] : [];
            string desc = description >= 0 ? Text(table.Field(r, description)) : string.Empty;
            NetAddress[] addresses = Resolve(host, port == 0 ? 5060 : port);
            if (addresses.Length == 0)
            {
                // OpenSIPS skips a destination it cannot resolve; say so instead of failing the start.
                Console.Error.WriteLine($"dispatcher: {where}: destination '{uri}': host '{host}' does not resolve; row skipped");
                continue;
            }

            string uriCopy = uri;
            rows.Add((set, prio, r, index => new DispatcherDestination(index, set, uriCopy, du, hostPort, addresses, port, sock, st, pm, wt, prio, attr, desc, line)));
        }

        // Sets in order of first appearance; within a set, higher priority first, ties in table order.
        var setOrder = new List<int>();
        foreach (var row in rows)
        {
            if (!setOrder.Contains(row.Set))
            {
                setOrder.Add(row.Set);
            }
        }

        var all = new List<DispatcherDestination>();
        var sets = new DispatcherSet[setOrder.Count];
        for (int s = 0; s < setOrder.Count; s++)
        {
            var members = rows.FindAll(x => x.Set == setOrder[s]);
            members.Sort((a, b) => a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority) : a.Order.CompareTo(b.Order));
            var destinations = new DispatcherDestination[members.Count];
            for (int i = 0; i < members.Count; i++)
            {
                destinations[i] = members[i].Make(all.Count);
                all.Add(destinations[i]);
            }

            sets[s] = new DispatcherSet(setOrder[s], destinations);
        }

        return new DispatcherData(sets, [.. all], table.Path);
    }

    /// <summary>
    /// A destination URI: <c>sip:</c>/<c>sips:</c> with a host; <paramref name="du"/> is the URI without user,
    /// password and headers; <paramref name="hostPort"/> its <c>host[:port]</c>.
    /// </summary>
    public static bool TryParseDestination(string uri, out byte[] du, out byte[] hostPort, out string host, out int port, out string? why)
    {
        du = hostPort = [];
        host = string.Empty;
        port = 0;
        byte[] bytes = Encoding.UTF8.GetBytes(uri);
        if (!SipUri.TryParse(bytes, out SipUri u) || u.Host.Length == 0)
        {
            why = "is not a SIP URI (sip:host[:port][;params])";
            return false;
        }

        if (u.Scheme is not (UriScheme.Sip or UriScheme.Sips))
        {
            why = "is not a sip: or sips: URI";
            return false;
        }

        ReadOnlySpan<byte> s = bytes;
        int colon = uri.IndexOf(':', StringComparison.Ordinal);
        int hostEnd = u.Port.Length > 0 ? u.Port.End : u.Host.End;
        var b = new List<byte>(bytes.Length);
        b.AddRange(s[..(colon + 1)]);
        b.AddRange(s[u.Host.Start..hostEnd]);
        if (u.Params.Length > 0)
        {
            b.Add((byte)';');
            b.AddRange(s.Slice(u.Params.Start, u.Params.Length).TrimStart((byte)';'));
        }

        du = [.. b];
        hostPort = s[u.Host.Start..hostEnd].ToArray();
        host = Encoding.ASCII.GetString(s.Slice(u.Host.Start, u.Host.Length)).Trim('[', ']');
        port = u.Port.Length > 0 ? u.PortNumber : 0;
        if (u.Transport.Length > 0 && !Ascii.EqualsIgnoreCase(s.Slice(u.Transport.Start, u.Transport.Length), "udp"u8)
            && !Ascii.EqualsIgnoreCase(s.Slice(u.Transport.Start, u.Transport.Length), "tcp"u8)
            && !Ascii.EqualsIgnoreCase(s.Slice(u.Transport.Start, u.Transport.Length), "tls"u8)
            && !Ascii.EqualsIgnoreCase(s.Slice(u.Transport.Start, u.Transport.Length), "ws"u8)
            && !Ascii.EqualsIgnoreCase(s.Slice(u.Transport.Start, u.Transport.Length), "wss"u8))
        {
            why = "has a transport Hyperproxy does not speak (udp, tcp, tls, ws, wss)";
            return false;
        }

        why = null;
        return true;
    }

    private static NetAddress[] Resolve(string host, int port)
    {
        if (NetAddress.TryParse(Encoding.ASCII.GetBytes(host), port, out NetAddress literal))
        {
            return [literal];
        }

        try
        {
            IPAddress[] ips = Dns.GetHostAddresses(host);
            var list = new List<NetAddress>();
            for (int i = 0; i < ips.Length && list.Count < 32; i++)
            {
                list.Add(NetAddress.FromIPEndPoint(new IPEndPoint(ips[i], port)));
            }

            return [.. list];
        }
        catch (System.Net.Sockets.SocketException)
        {
            return [];
        }
    }

    private static bool ValidSocket(string socket)
    {
        string[] parts = socket.Split(':');
        if (parts.Length < 2 || parts[0].ToLowerInvariant() is not ("udp" or "tcp" or "tls" or "ws" or "wss"))
        {
            return false;
        }

        string rest = socket[(parts[0].Length + 1)..];
        return NetAddress.TryParseHostPort(Encoding.ASCII.GetBytes(rest), out _) || NetAddress.TryParse(Encoding.ASCII.GetBytes(rest.Trim('[', ']')), 5060, out _);
    }

    private static int Required(DbTextTable table, string name)
    {
        int i = table.ColumnIndex(name);
        return i >= 0 ? i : throw new DbTextException($"{table.Path}:1: table '{table.Name}' has no column '{name}' (OpenSIPS's dispatcher table: setid destination socket state probe_mode weight priority attrs description)");
    }

    private static int Int(DbTextTable table, int row, int column, int whenAbsent, string where, string name)
    {
        if (column < 0 || table.Field(row, column) is not { } b)
        {
            return whenAbsent;
        }

        return int.TryParse(Encoding.ASCII.GetString(b).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new DbTextException($"{where}: {name} '{Encoding.ASCII.GetString(b)}' is not a number");
    }

    private static string Text(byte[]? b) => b is null ? string.Empty : Encoding.UTF8.GetString(b);
}
