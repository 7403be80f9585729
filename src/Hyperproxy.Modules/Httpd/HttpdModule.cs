using System.Net;
using Hyperproxy.Script.Declarations;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Httpd;

/// <summary>
/// The management HTTP server's export tables (OpenSIPS's <c>httpd</c>, <c>mi_http</c>, <c>prometheus</c>):
/// parameters only; the server itself runs in the executable on its own threads (docs/management.md).
/// httpd listens on <c>ip</c>:<c>port</c> (127.0.0.1:8888 by default); an address that is not loopback is
/// refused unless <c>allow_remote</c> is 1 (MI can remove registrations).
/// </summary>
public sealed class HttpdModule
{
    public const string Name = "httpd";
    public const string MiHttpName = "mi_http";
    public const string PrometheusName = "prometheus";

    public HttpdModule()
    {
        Exports = new ModuleDeclaration(Name, [],
        [
            String("ip", "127.0.0.1", v => Address = IPAddress.Parse(v!), v => IPAddress.TryParse(v, out _) ? null : $"'{v}' is not an IP address"),
            Int("port", 8888, v => Port = v, v => v is >= 0 and <= 65535 ? null : $"{v} is not a TCP port"),
            Int("conn_timeout", 30, v => Timeout = TimeSpan.FromSeconds(v), v => v is >= 1 and <= 3600 ? null : $"{v} is out of range (1..3600 seconds)"),
            Int("post_buf_size", 1024 * 1024, v => MaxBody = v, v => v is >= 1024 and <= 64 * 1024 * 1024 ? null : $"{v} is out of range (1 KiB .. 64 MiB)"),
            Int("allow_remote", 0, v => AllowRemote = v != 0),
            Int("dashboard", 1, v => Dashboard = v != 0),
        ]);
        MiHttpExports = new ModuleDeclaration(MiHttpName, [],
        [
            String("root", "mi", v => MiRoot = Root(v), RefuseRoot),
        ]);
        PrometheusExports = new ModuleDeclaration(PrometheusName, [],
        [
            String("root", "metrics", v => PrometheusRoot = Root(v), RefuseRoot),
            String("prefix", "opensips", v => Prefix = v ?? string.Empty),
            String("group_prefix", string.Empty, v => GroupPrefix = v ?? string.Empty),
            String("delimiter", "_", v => Delimiter = v ?? string.Empty),
            String("group_label", "group", v => GroupLabel = v ?? "group"),
            Int("group_mode", 0, v => GroupMode = v, v => v is >= 0 and <= 2 ? null : $"{v} is not a mode; use 0 (no group), 1 (group in the name) or 2 (group label)"),
            new ModuleParameterDeclaration("statistics", ModuleParameterType.String, null, v =>
            {
                foreach (string s in ((string?)v ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    Statistics.Add(s);
                return null;
            }) { Repeatable = true },
            Unsupported("labels", null, "statistics are exported without extra labels"),
        ]);
        ModuleTable.ApplyDefaults(Exports);
        ModuleTable.ApplyDefaults(MiHttpExports);
        ModuleTable.ApplyDefaults(PrometheusExports);
    }

    public ModuleDeclaration Exports { get; }

    public ModuleDeclaration MiHttpExports { get; }

    public ModuleDeclaration PrometheusExports { get; }

    public IPAddress Address { get; private set; } = IPAddress.Loopback;

    public int Port { get; private set; }

    public TimeSpan Timeout { get; private set; }

    public int MaxBody { get; private set; }

    public bool AllowRemote { get; private set; }

    public bool Dashboard { get; private set; }

    /// <summary>mi_http's path, with its leading slash (<c>/mi</c>).</summary>
    public string MiRoot { get; private set; } = "/mi";

    public string PrometheusRoot { get; private set; } = "/metrics";

    public string Prefix { get; private set; } = "opensips";

    public string GroupPrefix { get; private set; } = string.Empty;

    public string Delimiter { get; private set; } = "_";

    public string GroupLabel { get; private set; } = "group";

    public int GroupMode { get; private set; }

    /// <summary>prometheus's <c>statistics</c>: names, <c>group:</c> or <c>all</c> (empty: nothing is exported).</summary>
    public List<string> Statistics { get; } = [];

    private static string Root(string? v) => "/" + (v ?? string.Empty).Trim('/');

    private static string? RefuseRoot(string? v) =>
        string.IsNullOrWhiteSpace(v) || v.Contains(' ', StringComparison.Ordinal) || v.Contains('?', StringComparison.Ordinal)
            ? $"'{v}' is not a path" : null;
}
