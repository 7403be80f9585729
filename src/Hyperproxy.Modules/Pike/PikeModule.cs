using System.Text;
using System.Text.Json.Nodes;
using Hyperproxy.Script.Management;
using Hyperproxy.Script.Statistics;
using Hyperproxy.Script.Builtins;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Pike;

/// <summary>
/// The pike module (OpenSIPS <c>modules/pike</c>): flood detection per source address over the counting tree of
/// <see cref="PikeTable"/>. <c>pike_check_req()</c> counts the request's source and returns 1 (not flooding), -2
/// (flooding detected now: logged "PIKE - BLOCKing ip X") or -1 (still flooding); the script decides (typically
/// <c>if (!pike_check_req()) exit;</c>). With <c>check_route</c> (automatic mode) every received message — request,
/// reply or unparsable — is checked before the script (<see cref="IMessageGate"/>) and a flooding source's messages
/// are dropped, unless the check route drops (exempts) the message first. Released addresses are logged
/// "PIKE - UNBLOCKing ip X". The table exists only when the script loads pike.
/// </summary>
public sealed class PikeModule : IMessageGate
{
    public const string Name = "pike";

    /// <summary>OpenSIPS's event for a newly blocked address; Hyperproxy raises no events.</summary>
    public const string BlockedEvent = "E_PIKE_BLOCKED";

    private PikeTable? _table;
    private CompiledScript? _script;
    private RouteNode? _checkRoute;

    public PikeModule()
    {
        Exports = new ModuleDeclaration(Name,
        [
            Function("pike_check_req", 0, RouteTypes.Request, CheckRequest),
        ],
        [
            Int("sampling_time_unit", 2, v => SamplingTimeUnit = v, v => v is >= 1 and <= 3600 ? null : $"{v} is out of range (1..3600 seconds)"),
            Int("reqs_density_per_unit", 30, v => ReqsDensityPerUnit = v, v => v >= 1 ? null : $"{v} is not a positive number"),
            Int("remove_latency", 120, v => RemoveLatency = v, v => v >= 0 ? null : $"{v} is negative"),
            Int("pike_log_level", 1, v => LogLevel = v, v => v is >= -3 and <= 4 ? null : $"{v} is not a log level (-3..4)"),
            String("check_route", null, v => CheckRoute = string.IsNullOrEmpty(v) ? null : v),
            Int("max_nodes", DefaultMaxNodes, v => MaxNodes = v, v => v is >= 64 and <= 16_777_216 ? null : $"{v} is out of range (64..16777216 tree nodes)"),
        ])
        {
            // OpenSIPS's pike exports no statistics; these say what it did (blocked now, refused while blocked, table full).
            Statistics = [_blockedIps, _refused, Statistic.Gauge("table_full", () => _table?.Full ?? 0), Statistic.Gauge("nodes", () => _table?.NodeCount ?? 0)],
            MiCommands =
            [
                new MiCommand("pike_list", _ => ListCommand(), []) { Aliases = ["pike:list"] },
                new MiCommand("pike_rm", RemoveCommand, ["ip"]) { Aliases = ["pike:rm"] },
            ],
            Init = () =>
            {
                // OpenSIPS raises a remove_latency not above the sampling unit to unit + 1.
                if (RemoveLatency <= SamplingTimeUnit)
                {
                    RemoveLatency = SamplingTimeUnit + 1;
                }

                _table = null; // created by Bind when the script loads pike
                return null;
            },
        };
        ModuleTable.ApplyDefaults(Exports);
    }

    /// <summary>Tree nodes (prefixes and addresses) by default: 48 bytes each, 3 MB.</summary>
    public const int DefaultMaxNodes = 1 << 16;

    public ModuleDeclaration Exports { get; }

    public int SamplingTimeUnit { get; private set; }

    public int ReqsDensityPerUnit { get; private set; }

    public int RemoveLatency { get; private set; }

    public int LogLevel { get; private set; }

    /// <summary><c>check_route</c>: the route of the automatic mode, or null (manual mode).</summary>
    public string? CheckRoute { get; private set; }

    /// <summary><c>max_nodes</c> (Hyperproxy): the capacity of the counting tree.</summary>
    public int MaxNodes { get; private set; }

    /// <summary>The counting tree (one per loaded script, shared by its workers); null when the script does not load pike.</summary>
    public PikeTable? Table => _table;

    /// <summary>
    /// Creates the table for a script that loads pike and, with <c>check_route</c>, installs the automatic mode.
    /// Null, or why start-up must stop (the check route does not exist; an <c>event_route[E_PIKE_BLOCKED]</c> that
    /// would never run).
    /// </summary>
    public string? Bind(CompiledScript script)
    {
        if (!script.Program.IsModuleLoaded(Name))
        {
            return null;
        }

        if (script.Program.FindRoute(RouteTypes.Event, BlockedEvent) is not null)
        {
            return $"event_route[{BlockedEvent}] would never run: Hyperproxy has no event interface (the BLOCK log line and pike:blocked_ips report a blocked address)";
        }

        _table = new PikeTable(MaxNodes, SamplingTimeUnit, ReqsDensityPerUnit, RemoveLatency);
        if (CheckRoute is not null)
        {
            RouteDefinition? route = script.Program.FindRoute(RouteTypes.Request, CheckRoute);
            RouteNode? node = route is null ? null : script.NodeOf(route);
            if (node is null)
            {
                return $"check_route \"{CheckRoute}\": the script has no route[{CheckRoute}]";
            }

            _script = script;
            _checkRoute = node;
            script.UseGate(this);
        }

        return null;
    }

    /// <summary>
    /// Automatic mode, before the script: the check route runs for a parsed message (its <c>drop</c> exempts the
    /// source), then the source is counted; false (drop silently) while it floods.
    /// </summary>
    public bool Admit(ScriptContext context, SipMessage message, SipEdits edits, in NetAddress source, int socket, bool parsed)
    {
        if (parsed)
        {
            context.Begin(message, edits, source, socket);
            if (!_script!.RunRoute(_checkRoute!, context))
            {
                return true;
            }
        }

        return Check(context, source) > 0;
    }

    /// <summary><c>pike_check_req()</c>: 1, -2 (blocked now) or -1 (already blocked).</summary>
    private int CheckRequest(ScriptContext c, CallArguments a) => Check(c, c.Source);

    private int Check(ScriptContext c, in NetAddress source)
    {
        PikeState st = c.ModuleState<PikeState>();
        int r = _table!.Hit(source, st.Unblocked);
        if (r == -2)
        {
            _blockedIps.Increment(c.Worker);
            LogAddress(c, "PIKE - BLOCKing ip "u8, source);
        }
        else if (r == -1)
        {
            _refused.Increment(c.Worker);
        }

        if (st.Unblocked.Count != 0)
        {
            LogUnblocked(c, st);
        }

        return r;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void LogUnblocked(ScriptContext c, PikeState st)
    {
        foreach (NetAddress address in st.Unblocked)
        {
            LogAddress(c, "PIKE - UNBLOCKing ip "u8, address);
        }

        st.Unblocked.Clear();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void LogAddress(ScriptContext c, ReadOnlySpan<byte> prefix, in NetAddress address)
    {
        if (!c.Host.IsLogEnabled(LogLevel))
        {
            return;
        }

        Span<byte> line = stackalloc byte[prefix.Length + NetAddress.MaxFormattedLength];
        prefix.CopyTo(line);
        int n = prefix.Length;
        if (address.TryFormatHost(line[n..], out int written))
        {
            if (line[n] == (byte)'[')
            {
                // The address as OpenSIPS's ip_addr2a writes it: IPv6 without brackets.
                line.Slice(n + 1, written - 2).CopyTo(line[n..]);
                written -= 2;
            }

            n += written;
        }

        c.Host.Log(LogLevel, line[..n]);
    }

    private readonly Statistic _blockedIps = Statistic.Counter("blocked_ips");
    private readonly Statistic _refused = Statistic.Counter("refused_requests");

    /// <summary>MI pike_list: <c>{"IPs": [...]}</c>, the addresses blocked now.</summary>
    private JsonNode ListCommand()
    {
        var ips = new JsonArray();
        foreach (string ip in BlockedAddresses())
        {
            ips.Add(ip);
        }

        return new JsonObject { ["IPs"] = ips };
    }

    /// <summary>MI pike_rm ip: releases a blocked address (OpenSIPS's answers: 500 Bad IP, 404 Match not found, 400 IP not blocked).</summary>
    private JsonNode? RemoveCommand(MiArguments a)
    {
        string ip = a.String("ip") ?? "";
        if (!NetAddress.TryParse(Encoding.ASCII.GetBytes(ip.Trim('[', ']')), 0, out NetAddress address))
        {
            throw new MiException(500, "Bad IP");
        }

        int released = _table?.Unblock(address) ?? -1;
        if (released == 1)
        {
            MiLog?.Invoke(LogLevel, "PIKE - UNBLOCKing ip " + ip.Trim('[', ']'));
        }

        return released switch
        {
            1 => MiCommand.Ok,
            0 => throw new MiException(400, "IP not blocked"),
            _ => throw new MiException(404, "Match not found"),
        };
    }

    /// <summary>
    /// The blocked addresses as OpenSIPS's pike_list prints them: IPv4 dotted, IPv6 as eight groups of two unpadded
    /// hex bytes ("0:0:0:0:0:0:0:01" for ::1 — each byte printed with %x, so 0x0a01 reads "a1").
    /// </summary>
    public List<string> BlockedAddresses()
    {
        var list = new List<string>();
        if (_table is null)
        {
            return list;
        }

        Span<byte> b = stackalloc byte[16];
        foreach (NetAddress a in _table.Blocked())
        {
            int n = a.CopyAddressBytes(b);
            if (n == 4)
            {
                list.Add($"{b[0]}.{b[1]}.{b[2]}.{b[3]}");
                continue;
            }

            var text = new StringBuilder(40);
            for (int i = 0; i < 16; i += 2)
            {
                text.Append(i == 0 ? "" : ":").Append(b[i].ToString("x")).Append(b[i + 1].ToString("x"));
            }

            list.Add(text.ToString());
        }

        return list;
    }

    /// <summary>Where lines written off the workers go (pike_rm's UNBLOCK): the server's script log; set by the host.</summary>
    public Action<int, string>? MiLog { get; set; }
}
