using System.Text;
using Hyperproxy.Modules.DbText;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Permissions;

/// <summary>
/// The permissions <c>address</c> table in memory: per row a group, an address with a mask (CIDR), a port (0 =
/// any) and a protocol (<c>any</c> or one). Read once at start-up; checked by every worker without locks or
/// allocation. Within a group, exact-address rows are tried before subnet rows (OpenSIPS's hash before its trees).
/// </summary>
public sealed class AddressTable
{
    private readonly Row[] _rows;

    private AddressTable(Row[] rows) => _rows = rows;

    public int Count => _rows.Length;

    /// <summary>Whether group <paramref name="group"/> has any row.</summary>
    public bool HasGroup(int group)
    {
        foreach (Row r in _rows)
        {
            if (r.Group == group)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// check_address: 1 when a row of <paramref name="group"/> (0 = any group) matches address, port (0 = any) and
    /// protocol (empty or <c>any</c> = any); -1 no match; -2 the group is not in the table.
    /// </summary>
    public int Check(int group, in NetAddress address, int port, ReadOnlySpan<byte> proto)
    {
        if (group != 0 && !HasGroup(group))
        {
            return -2;
        }

        Span<byte> ip = stackalloc byte[16];
        int length = address.CopyAddressBytes(ip);
        bool anyProto = proto.IsEmpty || Ascii.EqualsIgnoreCase(proto, "any"u8);
        for (int pass = 0; pass < 2; pass++)
        {
            foreach (Row r in _rows)
            {
                bool exact = r.Mask == r.Address.Length * 8;
                if ((pass == 0) != exact || (group != 0 && r.Group != group) || r.Address.Length != length)
                {
                    continue;
                }

                if (r.Port != 0 && port != 0 && r.Port != port)
                {
                    continue;
                }

                if (!anyProto && r.Proto.Length != 0 && !Ascii.EqualsIgnoreCase(proto, r.Proto))
                {
                    continue;
                }

                if (PrefixEquals(ip[..length], r.Address, r.Mask))
                {
                    return 1;
                }
            }
        }

        return -1;
    }

    public static AddressTable From(DbTextTable table)
    {
        int grp = Column(table, "grp");
        int ip = Column(table, "ip");
        int mask = Column(table, "mask");
        int port = Column(table, "port");
        int proto = Column(table, "proto");
        var rows = new List<Row>();
        for (int i = 0; i < table.RowCount; i++)
        {
            string where = $"{table.Path}: row {i + 1}";
            string p = Text(table.Field(i, proto)) is { Length: > 0 } t ? t.ToLowerInvariant() : "any";
            if (p is "none")
            {
                continue;
            }

            if (p is not ("any" or "udp" or "tcp" or "tls" or "sctp" or "ws" or "wss"))
            {
                continue; // OpenSIPS ignores a row with an unknown protocol
            }

            string ipText = Text(table.Field(i, ip));
            if (!NetAddress.TryParse(Encoding.ASCII.GetBytes(ipText), 0, out NetAddress a))
            {
                throw new DbTextException($"{where}: ip '{ipText}' is not an IPv4 or IPv6 address");
            }

            byte[] bytes = new byte[16];
            int n = a.CopyAddressBytes(bytes);
            int bits = Int(table.Field(i, mask), n * 8);
            if (bits < 0 || bits > n * 8)
            {
                throw new DbTextException($"{where}: mask {bits} is out of range for {ipText} (0..{n * 8})");
            }

            int portValue = Int(table.Field(i, port), 0);
            if (portValue is < 0 or > 65535)
            {
                throw new DbTextException($"{where}: port {portValue} is out of range (0..65535)");
            }

            rows.Add(new Row(Int(table.Field(i, grp), 0), bytes.AsSpan(0, n).ToArray(), bits, portValue, p == "any" ? [] : Encoding.ASCII.GetBytes(p)));
        }

        return new AddressTable(rows.ToArray());
    }

    private static bool PrefixEquals(ReadOnlySpan<byte> a, byte[] b, int bits)
    {
        int full = bits / 8;
        if (!a[..full].SequenceEqual(b.AsSpan(0, full)))
        {
            return false;
        }

        int rest = bits % 8;
        if (rest == 0)
        {
            return true;
        }

        int m = 0xFF << (8 - rest) & 0xFF;
        return (a[full] & m) == (b[full] & m);
    }

    private static int Column(DbTextTable table, string name)
    {
        int i = table.ColumnIndex(name);
        return i >= 0 ? i : throw new DbTextException($"{table.Path}:1: table '{table.Name}' has no column '{name}'");
    }

    private static string Text(byte[]? b) => b is null ? string.Empty : Encoding.UTF8.GetString(b);

    private static int Int(byte[]? b, int whenNull) =>
        b is null ? whenNull : int.TryParse(Encoding.ASCII.GetString(b), out int v) ? v : throw new DbTextException($"'{Encoding.ASCII.GetString(b)}' is not a number");

    private sealed record Row(int Group, byte[] Address, int Mask, int Port, byte[] Proto);
}
