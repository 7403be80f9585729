using Hyperproxy.Script.Declarations;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.DbText;

/// <summary>
/// The db_text module (OpenSIPS <c>modules/db_text</c>): a database of one text file per table in a directory,
/// named by <c>text:///dir</c> URLs. Hyperproxy reads the tables a module uses once at start-up
/// (<see cref="DbTextTable"/>); it never writes them back.
/// </summary>
public sealed class DbTextModule
{
    public const string Name = "db_text";

    public DbTextModule()
    {
        Exports = new ModuleDeclaration(Name, [],
        [
            OnlyDefault("db_mode", 0, "only db_mode 0 (tables cached at start-up) is built; restart to reload"),
            Int("buffer_size", 4096, _ => { }, v => v > 0 ? null : $"{v} is not a positive size"),
        ]);
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

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
