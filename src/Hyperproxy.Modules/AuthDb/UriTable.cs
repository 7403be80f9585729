using Hyperproxy.Modules.DbText;

namespace Hyperproxy.Modules.AuthDb;

/// <summary>The <c>uri</c> table of db_is_to/from_authorized: which URI users an authentication user may use.</summary>
public sealed class UriTable
{
    private static readonly object s_present = new();
    private readonly ByteKeyMap<object> _map;

    private UriTable(ByteKeyMap<object> map) => _map = map;

    public static UriTable From(DbTextTable table, AuthDbSettings s)
    {
        int user = Column(table, s.UriUserColumn, "uri_user_column");
        int domain = Column(table, s.UriDomainColumn, "uri_domain_column");
        int uriUser = Column(table, s.UriUriUserColumn, "uri_uriuser_column");
        var map = new ByteKeyMap<object>(table.RowCount);
        Span<byte> key = stackalloc byte[ByteKeys.MaxKey];
        for (int r = 0; r < table.RowCount; r++)
        {
            int n = ByteKeys.Build(key, table.Field(r, user) ?? [], table.Field(r, domain) ?? [], table.Field(r, uriUser) ?? [], 3);
            if (n >= 0)
            {
                map.TryAdd(key[..n], s_present);
            }
        }

        return new UriTable(map);
    }

    /// <summary>Whether (authentication user, realm) may use <paramref name="uriUser"/>.</summary>
    public bool Contains(ReadOnlySpan<byte> user, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> uriUser)
    {
        Span<byte> key = stackalloc byte[ByteKeys.MaxKey];
        int n = ByteKeys.Build(key, user, domain, uriUser, 3);
        return n >= 0 && _map.Find(key[..n]) is not null;
    }

    private static int Column(DbTextTable table, string name, string parameter)
    {
        int i = table.ColumnIndex(name);
        if (i < 0)
        {
            throw new DbTextException($"{table.Path}:1: table '{table.Name}' has no column '{name}' ({parameter})");
        }

        return i;
    }
}
