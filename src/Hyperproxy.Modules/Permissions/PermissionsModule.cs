using System.Text.Json.Nodes;
using Hyperproxy.Modules.DbText;
using Hyperproxy.Script.Management;
using Hyperproxy.Script.Builtins;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Permissions;

/// <summary>
/// The permissions module's address checks (OpenSIPS <c>modules/permissions</c>): <c>check_source_address(grp)</c>
/// and <c>check_address(grp, ip, port, proto)</c> against the <c>address</c> table of a db_text directory, read at
/// start-up and again on MI <c>address_reload</c> or db_text's <c>dbt_reload</c>. Return 1 (match), -1 (no match), -2 (group absent). Not built (unknown functions at start-up):
/// the ctx_var/pattern/partition arguments, get_source_group, allow_routing/allow_register/allow_uri.
/// </summary>
public sealed class PermissionsModule
{
    public const string Name = "permissions";

    private readonly DbTextModule? _dbText;
    private volatile AddressTable? _addresses;
    private bool _used;

    public PermissionsModule(DbTextModule? dbText = null)
    {
        _dbText = dbText;
        Exports = new ModuleDeclaration(Name,
        [
            Function("check_source_address", 1, RouteTypes.AnyMessage, CheckSource,
                Param("grp", ParameterKind.Int, GroupFixup)),
            Function("check_address", 4, RouteTypes.AnyMessage, CheckAddress,
                Param("grp", ParameterKind.Int, GroupFixup), Param("ip", ParameterKind.Format), Param("port", ParameterKind.Int), Param("proto", ParameterKind.Format)),
        ],
        [
            String("db_url", null, v => DbUrl = v),
            String("address_table", "address", v => AddressTableName = v!, v => string.IsNullOrEmpty(v) || v.Contains('/', StringComparison.Ordinal) ? "not a table name" : null),
            Unsupported("partition", null, "partitions are not built; use db_url and address_table"),
        ])
        {
            Init = Load,
            MiCommands =
            [
                new MiCommand("address_reload", _ => ReloadCommand(), []) { Aliases = ["permissions:address_reload"] },
            ],
        };
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    public string? DbUrl { get; private set; }

    public string AddressTableName { get; private set; } = "address";

    /// <summary>Where a relative <c>text://dir</c> starts (the script's directory).</summary>
    public string ConfigDirectory { get; set; } = Environment.CurrentDirectory;

    /// <summary>The address table (replaced whole by a reload; a worker reads it once per check).</summary>
    public AddressTable? Addresses => _addresses;

    private Func<string?>? _reload;

    /// <summary>A constant group marks the module as used (its table must load); a group variable is read per message.</summary>
    private FixupResult GroupFixup(Script.Syntax.LiteralExpression c)
    {
        _used = true;
        return c.Kind == Script.Syntax.LiteralKind.Int && c.IntValue >= 0 ? FixupResult.Ok(c.IntValue) : FixupResult.Fail($"'{c}' is not a group number");
    }

    private string? Load()
    {
        if (!_used && DbUrl is null)
        {
            return null;
        }

        if (DbUrl is null)
        {
            return "db_url must be set (permissions has no default database); e.g. modparam(\"permissions\", \"db_url\", \"text:///etc/hyperproxy/db\")";
        }

        string? dir = DbTextModule.DirectoryOf(DbUrl, ConfigDirectory, out string? error);
        if (dir is null)
        {
            return error;
        }

        string table = AddressTableName;
        _reload = () =>
        {
            try
            {
                _addresses = AddressTable.From(DbTextTable.Load(dir, table));
                return null;
            }
            catch (DbTextException e)
            {
                return e.Message;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"db_text: {e.Message}";
            }
        };
        if (_reload() is { } why)
        {
            return why;
        }

        _dbText?.Register(DbTextModule.DbNameOf(DbUrl), dir, table, _reload);
        return null;
    }

    /// <summary>MI address_reload: reads the address table again; "OK", or 500 with why (the loaded copy stays).</summary>
    private JsonNode? ReloadCommand()
    {
        if (_reload is null)
        {
            throw new MiException(500, "no address table is loaded (db_url is not set)");
        }

        return _reload() is { } why ? throw new MiException(500, "Failed to reload: " + why) : MiCommand.Ok;
    }

    private int CheckSource(ScriptContext c, CallArguments a)
    {
        AddressTable? addresses = _addresses;
        if (addresses is null || !a.TryInt(c, 0, out int group))
        {
            return ScriptResult.False;
        }

        return addresses.Check(group, c.Source, c.Source.Port, "udp"u8);
    }

    private int CheckAddress(ScriptContext c, CallArguments a)
    {
        AddressTable? addresses = _addresses;
        if (addresses is null || !a.TryInt(c, 0, out int group) || !a.TryInt(c, 2, out int port))
        {
            return ScriptResult.False;
        }

        ReadOnlySpan<byte> ip = a.Bytes(c, 1);
        if (ip.Length > 2 && ip[0] == '[' && ip[^1] == ']')
        {
            ip = ip[1..^1];
        }

        if (!NetAddress.TryParse(ip, 0, out NetAddress address))
        {
            return ScriptResult.False;
        }

        return addresses.Check(group, address, port, a.Bytes(c, 3));
    }
}
