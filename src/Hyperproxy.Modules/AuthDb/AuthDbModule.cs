using System.Runtime.CompilerServices;
using Hyperproxy.Modules.Auth;
using Hyperproxy.Modules.DbText;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.AuthDb;

/// <summary>
/// The auth_db module (OpenSIPS <c>modules/auth_db</c>): www_authorize/proxy_authorize against a subscriber table,
/// db_is_to_authorized/db_is_from_authorized against a uri table (with the older check_to/check_from names).
/// Tables come from db_text (<c>db_url "text:///dir"</c>): the tables a script names are loaded by this module's init
/// (a bad file stops start-up with its file:line) and again by db_text's MI <c>dbt_reload</c> (a bad file then keeps
/// the loaded copy; workers pick up a new copy with one reference swap). Bodies in
/// <c>AuthDbModule.Functions.cs</c>.
/// </summary>
public sealed partial class AuthDbModule
{
    public const string Name = "auth_db";

    private readonly AuthModule _auth;
    private readonly DbTextModule? _dbText;
    private readonly Dictionary<string, TableHa1Source> _subscriberTables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StrongBox<UriTable?>> _uriTables = new(StringComparer.Ordinal);
    private readonly List<(string Avp, string Column)> _load = [];
    private int[] _loadSlots = [];

    public AuthDbModule(AuthModule auth, DbTextModule? dbText = null)
    {
        _auth = auth;
        _dbText = dbText;
        Exports = new ModuleDeclaration(Name,
        [
            Function("www_authorize", 2, RouteTypes.Request, (c, a) => Authorize(c, a, proxy: false), PrepareTable,
                Param("realm", ParameterKind.Format), Param("table", ParameterKind.String, SubscriberFixup)),
            Function("proxy_authorize", 2, RouteTypes.Request, (c, a) => Authorize(c, a, proxy: true), PrepareTable,
                Param("realm", ParameterKind.Format), Param("table", ParameterKind.String, SubscriberFixup)),
            Function("db_is_to_authorized", 1, RouteTypes.Request, (c, a) => IsAuthorized(c, a, to: true), PrepareUriTable,
                Param("table", ParameterKind.String, UriFixup)),
            Function("db_is_from_authorized", 1, RouteTypes.Request, (c, a) => IsAuthorized(c, a, to: false), PrepareUriTable,
                Param("table", ParameterKind.String, UriFixup)),
            Function("check_to", 0, RouteTypes.Request, (c, a) => IsAuthorized(c, a, to: true), PrepareUriTable,
                Param("table", ParameterKind.String, UriFixup)),
            Function("check_from", 0, RouteTypes.Request, (c, a) => IsAuthorized(c, a, to: false), PrepareUriTable,
                Param("table", ParameterKind.String, UriFixup)),
        ],
        [
            String("db_url", "mysql://opensipsro:opensipsro@localhost/opensips", v => Settings.DbUrl = v ?? string.Empty),
            String("user_column", "username", v => Settings.UserColumn = v!, NotEmpty),
            String("domain_column", "domain", v => Settings.DomainColumn = v!, NotEmpty),
            String("password_column", "ha1", v => Settings.PasswordColumn = v!, NotEmpty),
            String("hash_column_sha256", "ha1_sha256", v => Settings.Sha256Column = v!, NotEmpty),
            Unsupported("hash_column_sha512t256", "ha1_sha512t256", "SHA-512-256 is not supported by Hyperproxy (MD5, MD5-sess, SHA-256, SHA-256-sess are)"),
            Int("calculate_ha1", 0, v => Settings.CalculateHa1 = v != 0, v => v is 0 or 1 ? null : $"{v} is not 0 or 1"),
            Int("use_domain", 0, v => Settings.UseDomain = v != 0, v => v is 0 or 1 ? null : $"{v} is not 0 or 1"),
            String("load_credentials", "rpid", StoreLoadCredentials, v => ParseLoadCredentials(v, null)),
            Int("skip_version_check", 0, v => Settings.SkipVersionCheck = v != 0, v => v is 0 or 1 ? null : $"{v} is not 0 or 1"),
            String("uri_user_column", "username", v => Settings.UriUserColumn = v!, NotEmpty),
            String("uri_domain_column", "domain", v => Settings.UriDomainColumn = v!, NotEmpty),
            String("uri_uriuser_column", "uri_user", v => Settings.UriUriUserColumn = v!, NotEmpty),
        ])
        {
            Init = LoadTables,
        };
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    public AuthDbSettings Settings { get; } = new();

    /// <summary>Where a relative <c>text://dir</c> URL starts (OpenSIPS's CFG_DIR): the script file's directory.</summary>
    public string ConfigDirectory { get; set; } = Environment.CurrentDirectory;

    /// <summary>A loaded subscriber table by name (tests, management).</summary>
    public ICredentialStore? Store(string table) => _subscriberTables.TryGetValue(table, out TableHa1Source? s) ? s.Store : null;

    /// <summary>Replaces the credentials store of a table the script names (a cluster store, tests).</summary>
    public void UseStore(string table, ICredentialStore store) => SourceFor(table).Store = store;

    /// <summary>Resolves the AVPs load_credentials fills in a compiled script.</summary>
    public void Bind(CompiledScript script)
    {
        _loadSlots = new int[_load.Count];
        for (int i = 0; i < _load.Count; i++)
        {
            _loadSlots[i] = script.AvpSlot(_load[i].Avp);
        }
    }

    private static string? NotEmpty(string? v) => string.IsNullOrEmpty(v) ? "a column name cannot be empty" : null;

    private void StoreLoadCredentials(string? v)
    {
        Settings.LoadCredentials = v ?? string.Empty;
        _load.Clear();
        ParseLoadCredentials(v, _load);
    }

    /// <summary><c>col;$avp(name)=col;...</c>; null, or why the text is not that.</summary>
    private static string? ParseLoadCredentials(string? text, List<(string Avp, string Column)>? into)
    {
        foreach (string raw in (text ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string avp, column;
            int eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                avp = column = raw;
            }
            else
            {
                column = raw[(eq + 1)..].Trim();
                string spec = raw[..eq].Trim();
                if (!spec.StartsWith("$avp(", StringComparison.Ordinal) || !spec.EndsWith(')') || spec.Length < 7)
                {
                    return $"'{raw}' is not column or $avp(name)=column";
                }

                avp = spec[5..^1];
            }

            if (column.Length == 0 || avp.Length == 0)
            {
                return $"'{raw}' is not column or $avp(name)=column";
            }

            into?.Add((avp, column));
        }

        return null;
    }

    private FixupResult SubscriberFixup(Script.Syntax.LiteralExpression c)
    {
        string table = c.ToString();
        if (table.Length == 0 || table.Contains('/', StringComparison.Ordinal))
        {
            return FixupResult.Fail($"'{table}' is not a table name");
        }

        SourceFor(table);
        return FixupResult.Ok(table);
    }

    private FixupResult UriFixup(Script.Syntax.LiteralExpression c)
    {
        string table = c.ToString();
        if (table.Length == 0 || table.Contains('/', StringComparison.Ordinal))
        {
            return FixupResult.Fail($"'{table}' is not a table name");
        }

        _uriTables.TryAdd(table, new StrongBox<UriTable?>());
        return FixupResult.Ok(table);
    }

    private TableHa1Source SourceFor(string table)
    {
        if (!_subscriberTables.TryGetValue(table, out TableHa1Source? s))
        {
            s = new TableHa1Source(this, table);
            _subscriberTables.Add(table, s);
        }

        return s;
    }

    private object? PrepareTable(CallArguments a) => a.Fixed(1) is string t ? SourceFor(t) : null;

    private object? PrepareUriTable(CallArguments a) => a.Count > 0 && a.Fixed(0) is string t ? t : null;

    /// <summary>Init: reads every table the script's calls name from the db_text directory.</summary>
    private string? LoadTables()
    {
        bool needed = _uriTables.Count > 0;
        foreach (TableHa1Source s in _subscriberTables.Values)
        {
            needed |= s.Store is null;
        }

        if (!needed)
        {
            return null;
        }

        string? dir = DbTextModule.DirectoryOf(Settings.DbUrl, ConfigDirectory, out string? error);
        if (dir is null)
        {
            return error;
        }

        if (!Directory.Exists(dir))
        {
            return $"db_url: directory {dir} does not exist";
        }

        try
        {
            foreach (TableHa1Source s in _subscriberTables.Values)
            {
                if (s.Store is not null)
                {
                    continue;
                }

                s.Store = ReadSubscribers(dir, s.Table, startUp: true);
                TableHa1Source source = s;
                _dbText?.Register(DbTextModule.DbNameOf(Settings.DbUrl), dir, s.Table, () => Reread(() => source.Store = ReadSubscribers(dir, source.Table, startUp: false)));
            }

            foreach ((string name, StrongBox<UriTable?> box) in _uriTables)
            {
                Volatile.Write(ref box.Value, ReadUris(dir, name));
                _dbText?.Register(DbTextModule.DbNameOf(Settings.DbUrl), dir, name, () => Reread(() => Volatile.Write(ref box.Value, ReadUris(dir, name))));
            }
        }
        catch (Exception e) when (e is DbTextException or IOException or UnauthorizedAccessException)
        {
            return Describe(e);
        }

        return null;
    }

    private static string Describe(Exception e) => e is DbTextException ? e.Message : $"db_text: {e.Message}";

    /// <summary>A reload: null when <paramref name="read"/> put the new copy in place, else why not (the old one stays).</summary>
    private static string? Reread(Action read)
    {
        try
        {
            read();
            return null;
        }
        catch (Exception e) when (e is DbTextException or IOException or UnauthorizedAccessException)
        {
            return Describe(e);
        }
    }

    private SubscriberTable ReadSubscribers(string dir, string name, bool startUp)
    {
        DbTextTable table = DbTextTable.Load(dir, name);
        CheckVersion(dir, name, 7, 8);
        var load = new List<string>(_load.Count);
        foreach ((string _, string column) in _load)
        {
            load.Add(column);
        }

        if (Settings.LoadCredentials == "rpid" && table.ColumnIndex("rpid") < 0)
        {
            // The default names rpid, which OpenSIPS 3.6's subscriber schema no longer has: nothing to load.
            load.Clear();
            if (startUp)
            {
                _load.Clear();
            }
        }

        return SubscriberTable.From(table, Settings, load);
    }

    private UriTable ReadUris(string dir, string name)
    {
        DbTextTable table = DbTextTable.Load(dir, name);
        CheckVersion(dir, name, 1, 2);
        return UriTable.From(table, Settings);
    }

    /// <summary>With a <c>version</c> table in the directory (and skip_version_check 0), the table's row must carry a version we read.</summary>
    private void CheckVersion(string dir, string table, int low, int high)
    {
        if (Settings.SkipVersionCheck || !File.Exists(System.IO.Path.Combine(dir, "version")))
        {
            return;
        }

        DbTextTable versions = DbTextTable.Load(dir, "version");
        int name = versions.ColumnIndex("table_name");
        int version = versions.ColumnIndex("table_version");
        if (name < 0 || version < 0)
        {
            throw new DbTextException($"{versions.Path}:1: the version table needs table_name and table_version columns");
        }

        for (int r = 0; r < versions.RowCount; r++)
        {
            if (System.Text.Encoding.UTF8.GetString(versions.Field(r, name) ?? []) == table)
            {
                string v = System.Text.Encoding.UTF8.GetString(versions.Field(r, version) ?? []);
                if (!int.TryParse(v, out int n) || n < low || n > high)
                {
                    throw new DbTextException($"{versions.Path}: table '{table}' has version {v}, Hyperproxy reads {low}..{high} (or set skip_version_check)");
                }

                return;
            }
        }

        throw new DbTextException($"{versions.Path}: no version row for table '{table}' (add '{table}:{high}' or set skip_version_check)");
    }
}
