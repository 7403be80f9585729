using System.Text.Json.Nodes;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Management;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.DbText;

/// <summary>
/// The db_text module (OpenSIPS <c>modules/db_text</c>): a database of one text file per table in a directory,
/// named by <c>text:///dir</c> URLs. Hyperproxy reads the tables a module uses at start-up
/// (<see cref="DbTextTable"/>) and again on MI <c>dbt_reload [db_name [table_name]]</c> (the modules that cache a
/// table register it here); it never writes them back.
/// </summary>
public sealed class DbTextModule
{
    public const string Name = "db_text";

    private readonly List<Reloadable> _tables = [];

    public DbTextModule()
    {
        Exports = new ModuleDeclaration(Name, [],
        [
            OnlyDefault("db_mode", 0, "only db_mode 0 (tables cached at start-up, reloaded by MI dbt_reload) is built"),
            Int("buffer_size", 4096, _ => { }, v => v > 0 ? null : $"{v} is not a positive size"),
        ])
        {
            MiCommands =
            [
                new MiCommand("dbt_reload", Reload, [], ["db_name"], ["db_name", "table_name"]) { Aliases = ["db_text:reload"] },
            ],
            Init = () =>
            {
                _tables.Clear(); // the modules that cache tables register them again in their init
                return null;
            },
        };
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    /// <summary>Where the reasons of a failed reload go (the server's log); set by the host.</summary>
    public Action<string>? ReloadLog { get; set; }

    /// <summary>
    /// A module caching <paramref name="table"/> of <paramref name="directory"/> (its db_url's path as written,
    /// <paramref name="dbName"/>) registers how to read it again: <paramref name="reload"/> returns null when the new
    /// copy is in place, or why not (the old copy is kept then).
    /// </summary>
    public void Register(string dbName, string directory, string table, Func<string?> reload) =>
        _tables.Add(new Reloadable(dbName, System.IO.Path.GetFullPath(directory), table, reload));

    /// <summary>The tables registered for reload: (db_name, table).</summary>
    public IReadOnlyList<(string DbName, string Table)> Tables
    {
        get
        {
            var list = new List<(string, string)>(_tables.Count);
            foreach (Reloadable r in _tables)
            {
                list.Add((r.DbName, r.Table));
            }

            return list;
        }
    }

    /// <summary>
    /// MI dbt_reload: every cached table, those of one database (<c>db_name</c>: the db_url's path, as written or
    /// resolved), or one table of it. "OK"; 400 "Bad parameter value" when nothing cached matches; 500 "Internal
    /// error" when a table could not be read (that table keeps its old copy, the others are replaced).
    /// </summary>
    private JsonNode? Reload(MiArguments a)
    {
        string? db = a.String("db_name");
        string? table = a.String("table_name");
        int matched = 0, failed = 0;
        foreach (Reloadable r in _tables)
        {
            if (db is not null && !r.Matches(db))
            {
                continue;
            }

            if (table is not null && !string.Equals(r.Table, table, StringComparison.Ordinal))
            {
                continue;
            }

            matched++;
            if (r.Load() is { } why)
            {
                failed++;
                ReloadLog?.Invoke($"db_text: reloading table '{r.Table}' of {r.Directory} failed, the loaded copy stays: {why}");
            }
        }

        if (matched == 0)
        {
            throw new MiException(400, "Bad parameter value");
        }

        return failed == 0 ? MiCommand.Ok : throw new MiException(500, "Internal error");
    }

    private sealed record Reloadable(string DbName, string Directory, string Table, Func<string?> Load)
    {
        public bool Matches(string db)
        {
            string trimmed = db.StartsWith("text://", StringComparison.OrdinalIgnoreCase) ? db[7..] : db;
            return string.Equals(trimmed, DbName, StringComparison.Ordinal)
                || string.Equals(trimmed.TrimEnd('/'), Directory.TrimEnd('/'), StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The directory of a <c>text://</c> URL: <c>text:///abs/dir</c> is absolute, <c>text://dir</c> relative to
    /// <paramref name="configDirectory"/>. Null with <paramref name="error"/> for any other scheme.
    /// </summary>
    public static string? DirectoryOf(string url, string configDirectory, out string? error)
    {
        error = null;
        const string Scheme = "text://";
        if (!url.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            int colon = url.IndexOf(':', StringComparison.Ordinal);
            string scheme = colon > 0 ? url[..colon] : url;
            error = $"db_url '{Redact(url)}': the {scheme} database is not built into Hyperproxy; use db_text (\"text:///path/to/dir\")";
            return null;
        }

        string path = url[Scheme.Length..];
        if (path.Length == 0)
        {
            error = $"db_url '{url}' names no directory";
            return null;
        }

        return path.StartsWith('/') ? path : System.IO.Path.Combine(configDirectory, path);
    }

    /// <summary>The database name of a <c>text://</c> URL (its path as written: what dbt_reload's db_name names).</summary>
    public static string DbNameOf(string url) => url.Length > 7 ? url[7..] : string.Empty;

    /// <summary>A URL without its password (<c>mysql://user:***@host/db</c>), for messages.</summary>
    public static string Redact(string url)
    {
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        int at = url.IndexOf('@', StringComparison.Ordinal);
        if (scheme < 0 || at < 0)
        {
            return url;
        }

        int colon = url.IndexOf(':', scheme + 3);
        return colon > 0 && colon < at ? url[..(colon + 1)] + "***" + url[at..] : url;
    }
}
