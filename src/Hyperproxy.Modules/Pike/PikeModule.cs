using System.Text;
using System.Text.Json.Nodes;
using Hyperproxy.Script.Management;
using Hyperproxy.Script.Statistics;
using Hyperproxy.Script.Builtins;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Pike;

/// <summary>
/// The pike module (OpenSIPS <c>modules/pike</c>): flood detection per source address. <c>pike_check_req()</c>
/// counts the request's source in the shared <see cref="PikeTable"/> and returns 1 (not flooding), -2 (flooding
/// detected now: logged "PIKE - BLOCKing ip X") or -1 (still flooding); the script decides (typically
/// <c>if (!pike_check_req()) exit;</c>). Released addresses are logged "PIKE - UNBLOCKing ip X".
/// The automatic mode (<c>check_route</c>) is not built and is refused at start-up.
/// </summary>
public sealed class PikeModule
{
    public const string Name = "pike";

    /// <summary>Source addresses tracked at once (fixed memory, about 2.3 MB).</summary>
    public const int TableCapacity = 1 << 16;

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
            Unsupported("check_route", null, "the automatic mode (check_route) is not built; call pike_check_req() at the top of the request route"),
        ])
        {
            // OpenSIPS's pike exports no statistics; these say what it did (blocked now, refused while blocked, table full).
            Statistics = [_blockedIps, _refused, Statistic.Gauge("table_full", () => Table.Full)],
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

                Table = new PikeTable(TableCapacity, SamplingTimeUnit, ReqsDensityPerUnit, RemoveLatency);
                return null;
            },
        };
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    public int SamplingTimeUnit { get; private set; }

    public int ReqsDensityPerUnit { get; private set; }

    public int RemoveLatency { get; private set; }

    public int LogLevel { get; private set; }

    /// <summary>The counting table (created by init; one per loaded script, shared by its workers).</summary>
    public PikeTable Table { get; private set; } = new(64, 2, 30, 120);

    /// <summary><c>pike_check_req()</c>: 1, -2 (blocked now) or -1 (already blocked).</summary>
    private int CheckRequest(ScriptContext c, CallArguments a)
    {
        PikeState st = c.ModuleState<PikeState>();
        int r = Table.Hit(c.Source, st.Unblocked);
        if (r == -2)
        {
            _blockedIps.Increment(c.Worker);
            LogAddress(c, "PIKE - BLOCKing ip "u8, c.Source);
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
            n += written;
        }

        c.Host.Log(LogLevel, line[..n]);
    }

    /// <summary>pike_list: the blocked addresses as text (IPv6 in brackets as the host formats them).</summary>
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

        return Table.Unblock(address) switch
        {
            1 => MiCommand.Ok,
            0 => throw new MiException(400, "IP not blocked"),
            _ => throw new MiException(404, "Match not found"),
        };
    }

    public List<string> BlockedAddresses()
    {
        var list = new List<string>();
        Span<byte> buffer = stackalloc byte[NetAddress.MaxFormattedLength];
        foreach (NetAddress a in Table.Blocked())
        {
            if (a.TryFormatHost(buffer, out int n))
            {
                list.Add(Encoding.ASCII.GetString(buffer[..n]));
            }
        }

        return list;
    }
}
