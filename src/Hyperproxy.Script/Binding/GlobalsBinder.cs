using System.Globalization;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Binding;

/// <summary>Checks and types the global parameters. Unknown names are errors.</summary>
internal static class GlobalsBinder
{
    private enum Kind
    {
        Int,
        Bool,
        String,
        Socket,
        Alias,
    }

    private static readonly Dictionary<string, Kind> s_known = new(StringComparer.Ordinal)
    {
        ["socket"] = Kind.Socket,
        ["listen"] = Kind.Socket,
        ["udp_workers"] = Kind.Int,
        ["children"] = Kind.Int,
        ["tcp_workers"] = Kind.Int,
        ["tcp_children"] = Kind.Int,
        ["log_level"] = Kind.Int,
        ["debug"] = Kind.Int,
        ["xlog_level"] = Kind.Int,
        ["stderror_enabled"] = Kind.Bool,
        ["log_stderror"] = Kind.Bool,
        ["syslog_enabled"] = Kind.Bool,
        ["syslog_facility"] = Kind.String,
        ["syslog_name"] = Kind.String,
        ["log_name"] = Kind.String,
        ["debug_mode"] = Kind.Bool,
        ["fork"] = Kind.Bool,
        ["alias"] = Kind.Alias,
        ["auto_aliases"] = Kind.Bool,
        ["advertised_address"] = Kind.String,
        ["advertised_port"] = Kind.Int,
        ["check_via"] = Kind.Bool,
        ["server_signature"] = Kind.Bool,
        ["server_header"] = Kind.String,
        ["user_agent_header"] = Kind.String,
        ["sip_warning"] = Kind.Bool,
        ["mhomed"] = Kind.Bool,
        ["dns"] = Kind.Bool,
        ["rev_dns"] = Kind.Bool,
        ["dns_try_ipv6"] = Kind.Bool,
        ["dns_try_naptr"] = Kind.Bool,
        ["disable_dns_failover"] = Kind.Bool,
        ["disable_dns_blacklist"] = Kind.Bool,
        ["disable_stateless_fwd"] = Kind.Bool,
        ["disable_503_translation"] = Kind.Bool,
        ["max_while_loops"] = Kind.Int,
        ["maxbuffer"] = Kind.Int,
        ["tos"] = Kind.Int,
        ["mpath"] = Kind.String,
        ["open_files_limit"] = Kind.Int,
        ["tcp_connection_lifetime"] = Kind.Int,
        ["tcp_connect_timeout"] = Kind.Int,
        ["tcp_max_connections"] = Kind.Int,
        ["tcp_max_msg_time"] = Kind.Int,
        ["tcp_socket_backlog"] = Kind.Int,
        ["tcp_keepalive"] = Kind.Bool,
        ["tcp_accept_aliases"] = Kind.Bool,
        ["tcp_keepidle"] = Kind.Int,
        ["tcp_keepinterval"] = Kind.Int,
        ["tcp_keepcount"] = Kind.Int,
    };

    public static GlobalSettings Bind(List<GlobalParameterSyntax> globals, DiagnosticBag diagnostics)
    {
        var settings = new GlobalSettings();
        foreach (var g in globals)
        {
            if (!s_known.TryGetValue(g.Name, out var kind))
            {
                diagnostics.Report(g.Location, $"unknown global parameter '{g.Name}'");
                continue;
            }

            string value = g.Value;
            switch (kind)
            {
                case Kind.Int:
                    if (!TryParseInt(Unquote(value), out int n))
                    {
                        diagnostics.Report(g.ValueLocation, $"global parameter '{g.Name}' expects a number, got '{value}'");
                        continue;
                    }

                    ApplyInt(settings, g, n, diagnostics);
                    break;
                case Kind.Bool:
                    if (!TryParseBool(Unquote(value), out bool b))
                    {
                        diagnostics.Report(g.ValueLocation, $"global parameter '{g.Name}' expects yes/no, got '{value}'");
                        continue;
                    }

                    if (Unsupported(g.Name, b) is { } why)
                    {
                        diagnostics.Report(g.ValueLocation, why);
                        continue;
                    }

                    ApplyBool(settings, g.Name, b);
                    break;
                case Kind.String:
                    ApplyString(settings, g.Name, Unquote(value));
                    break;
                case Kind.Socket:
                    if (!SocketDefinition.TryParse(Unquote(value), out var socket, out string? error))
                    {
                        diagnostics.Report(g.ValueLocation, $"bad {g.Name} '{value}': {error}");
                        continue;
                    }

                    settings.Sockets.Add(socket!);
                    break;
                case Kind.Alias:
                    string aliasText = Unquote(value).Replace(" accept_subdomain", string.Empty, StringComparison.Ordinal);
                    if (!SocketSpec.TryParse(aliasText, out var alias, out string? aliasError))
                    {
                        diagnostics.Report(g.ValueLocation, $"bad alias '{value}': {aliasError}");
                        continue;
                    }

                    settings.Aliases.Add(alias!);
                    break;
            }

            settings.Raw[g.Name] = value;
        }

        return settings;
    }

    private static void ApplyInt(GlobalSettings s, GlobalParameterSyntax g, int n, DiagnosticBag diagnostics)
    {
        switch (g.Name)
        {
            case "udp_workers" or "children" or "tcp_workers" or "tcp_children" when n < 1:
                diagnostics.Report(g.ValueLocation, $"'{g.Name}' must be at least 1");
                break;
            case "udp_workers" or "children":
                s.UdpWorkers = n;
                break;
            case "tcp_workers" or "tcp_children":
                s.TcpWorkers = n;
                break;
            case "log_level" or "debug" when n is < -3 or > 4:
                diagnostics.Report(g.ValueLocation, $"'{g.Name}' must be between -3 and 4");
                break;
            case "log_level" or "debug":
                s.LogLevel = n;
                break;
            case "xlog_level":
                s.XlogLevel = n;
                break;
            case "advertised_port" when n is < 1 or > 65535:
                diagnostics.Report(g.ValueLocation, "'advertised_port' must be a port (1..65535)");
                break;
            case "advertised_port":
                s.AdvertisedPort = n;
                break;
            case "max_while_loops" when n < 1:
                diagnostics.Report(g.ValueLocation, "'max_while_loops' must be at least 1");
                break;
            case "max_while_loops":
                s.MaxWhileLoops = n;
                break;
            case "tcp_connection_lifetime" or "tcp_max_msg_time" or "tcp_keepidle" or "tcp_keepinterval" or "tcp_keepcount" when n < 0:
                diagnostics.Report(g.ValueLocation, $"'{g.Name}' must not be negative");
                break;
            case "tcp_connect_timeout" or "tcp_max_connections" or "tcp_socket_backlog" when n < 1:
                diagnostics.Report(g.ValueLocation, $"'{g.Name}' must be at least 1");
                break;
            case "tcp_connection_lifetime":
                s.TcpConnectionLifetime = n;
                break;
            case "tcp_connect_timeout":
                s.TcpConnectTimeout = n;
                break;
            case "tcp_max_connections":
                s.TcpMaxConnections = n;
                break;
            case "tcp_max_msg_time":
                s.TcpMaxMessageTime = n;
                break;
            case "tcp_socket_backlog":
                s.TcpSocketBacklog = n;
                break;
            case "tcp_keepidle":
                s.TcpKeepIdle = n;
                s.TcpKeepAlive = true; // setting any keep-alive timer enables it (OpenSIPS)
                break;
            case "tcp_keepinterval":
                s.TcpKeepInterval = n;
                s.TcpKeepAlive = true;
                break;
            case "tcp_keepcount":
                s.TcpKeepCount = n;
                s.TcpKeepAlive = true;
                break;
        }
    }

    /// <summary>A DNS setting whose non-default value Hyperproxy does not implement: refused, not ignored.</summary>
    private static string? Unsupported(string name, bool b) => (name, b) switch
    {
        ("dns", true) => "'dns = yes' (checking a Via's sent-by name against the source address by DNS) is not supported; remove it or set no",
        ("rev_dns", true) => "'rev_dns = yes' (checking a Via's address by reverse DNS) is not supported; remove it or set no",
        ("disable_dns_blacklist", false) => "'disable_dns_blacklist = no' (the DNS blacklist of failed destinations) is not supported; remove it or set yes",
        _ => null,
    };

    private static void ApplyBool(GlobalSettings s, string name, bool b)
    {
        switch (name)
        {
            case "server_signature": s.ServerSignature = b; break;
            case "check_via": s.CheckVia = b; break;
            case "auto_aliases": s.AutoAliases = b; break;
            case "disable_503_translation": s.Disable503Translation = b; break;
            case "dns_try_naptr": s.DnsTryNaptr = b; break;
            case "dns_try_ipv6": s.DnsTryIpv6 = b; break;
            case "disable_dns_failover": s.DisableDnsFailover = b; break;
            case "disable_stateless_fwd": s.DisableStatelessForward = b; break;
            case "tcp_keepalive": s.TcpKeepAlive = b; break;
            case "tcp_accept_aliases": s.TcpAcceptAliases = b; break;
        }
    }

    private static void ApplyString(GlobalSettings s, string name, string value)
    {
        switch (name)
        {
            case "advertised_address": s.AdvertisedAddress = value; break;
            case "server_header": s.ServerHeader = value; break;
            case "user_agent_header": s.UserAgentHeader = value; break;
            case "mpath": s.ModulePath = value; break;
        }
    }

    internal static string Unquote(string value)
    {
        if (value.Length >= 2 && (value[0] is '"' or '\'') && value[^1] == value[0])
            return value[1..^1];
        return value;
    }

    private static bool TryParseInt(string text, out int value)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return int.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryParseBool(string text, out bool value)
    {
        switch (text.ToLowerInvariant())
        {
            case "yes" or "true" or "on" or "enable" or "1":
                value = true;
                return true;
            case "no" or "false" or "off" or "disable" or "0":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }
}
