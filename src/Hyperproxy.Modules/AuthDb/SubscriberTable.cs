using Hyperproxy.Modules.DbText;

namespace Hyperproxy.Modules.AuthDb;

/// <summary>A <c>subscriber</c> table read from db_text, keyed by user (and domain when use_domain is set).</summary>
public sealed class SubscriberTable : ICredentialStore
{
    private readonly ByteKeyMap<CredentialEntry> _map;
    private readonly bool _useDomain;

    private SubscriberTable(ByteKeyMap<CredentialEntry> map, bool useDomain, bool hasSha256)
    {
        _map = map;
        _useDomain = useDomain;
        HasSha256 = hasSha256;
    }

    public bool HasSha256 { get; }

    public int Count => _map.Count;

    /// <summary>Builds the store from a loaded table with auth_db's column settings; throws <see cref="DbTextException"/> naming what is missing.</summary>
    public static SubscriberTable From(DbTextTable table, AuthDbSettings s, IReadOnlyList<string> loadColumns)
    {
        int user = Column(table, s.UserColumn, "user_column");
        int domain = s.UseDomain ? Column(table, s.DomainColumn, "domain_column") : -1;
        int md5 = Column(table, s.PasswordColumn, "password_column");
        int sha = s.CalculateHa1 ? md5 : table.ColumnIndex(s.Sha256Column);
        var loaded = new int[loadColumns.Count];
        for (int i = 0; i < loaded.Length; i++)
        {
            loaded[i] = Column(table, loadColumns[i], "load_credentials");
        }

        var map = new ByteKeyMap<CredentialEntry>(table.RowCount);
        Span<byte> key = stackalloc byte[ByteKeys.MaxKey];
        for (int r = 0; r < table.RowCount; r++)
        {
            byte[] u = table.Field(r, user) ?? [];
            byte[] d = domain >= 0 ? table.Field(r, domain) ?? [] : [];
            var values = new byte[]?[loaded.Length];
            for (int i = 0; i < loaded.Length; i++)
            {
                values[i] = table.Field(r, loaded[i]);
            }

            int n = ByteKeys.Build(key, u, d, default, domain >= 0 ? 2 : 1);
            if (n < 0)
            {
                continue; // longer than anything looked up: unreachable, like an absurd request field
            }

            map.TryAdd(key[..n], new CredentialEntry(u, d, table.Field(r, md5), sha >= 0 ? table.Field(r, sha) : null, values));
        }

        return new SubscriberTable(map, domain >= 0, sha >= 0);
    }

    public CredentialEntry? Find(ReadOnlySpan<byte> user, ReadOnlySpan<byte> domain)
    {
        Span<byte> key = stackalloc byte[ByteKeys.MaxKey];
        int n = ByteKeys.Build(key, user, domain, default, _useDomain ? 2 : 1);
        return n < 0 ? null : _map.Find(key[..n]);
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
