using Hyperproxy.Modules.DbText;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Builtins;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Statistics;
using Hyperproxy.Script.Text;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Dispatcher;

/// <summary>
/// The dispatcher module (OpenSIPS <c>modules/dispatcher</c>): load balancing and failover over sets of
/// destinations read from OpenSIPS's <c>dispatcher</c> table (db_text). Selection reads one immutable
/// <see cref="DispatcherSnapshot"/> (no lock, no allocation); the prober (<see cref="DispatcherProber"/>), MI and
/// ds_mark_dst publish new snapshots. Functions in <c>DispatcherModule.Functions.cs</c>, selection in
/// <c>DispatcherModule.Select.cs</c>, MI in <c>DispatcherModule.Mi.cs</c>.
/// </summary>
public sealed partial class DispatcherModule
{
    public const string Name = "dispatcher";

    internal const RouteTypes Selecting = RouteTypes.Request | RouteTypes.Branch | RouteTypes.Failure;

    private readonly Tm.TmModule _tm;
    private readonly Statistic _selections = Statistic.Counter("ds_selections");
    private readonly Statistic _noDestination = Statistic.Counter("ds_no_destination");
    private DispatcherSnapshot _snapshot = new(DispatcherData.Empty(""), []);
    private bool _used;
    private int _dstSlot = -1;
    private int _grpSlot = -1;
    private int _cntSlot = -1;
    private int _sockSlot = -1;
    private int _attrsSlot = -1;

    public DispatcherModule(Tm.TmModule tm)
    {
        _tm = tm;
        Exports = new ModuleDeclaration(Name,
        [
            Function("ds_select_dst", 2, Selecting, SelectDst, SelectParameters()),
            Function("ds_select_domain", 2, Selecting, SelectDomain, SelectParameters()),
            Function("ds_next_dst", 0, RouteTypes.Request | RouteTypes.Failure, NextDst, Param("partition", ParameterKind.String, PartitionFixup)),
            Function("ds_next_domain", 0, RouteTypes.Request | RouteTypes.Failure, NextDomain, Param("partition", ParameterKind.String, PartitionFixup)),
            Function("ds_mark_dst", 0, RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.OnReply, MarkDst,
                Param("state", ParameterKind.String, StateFixup), Param("partition", ParameterKind.String, PartitionFixup)),
            Function("ds_count", 3, RouteTypes.AnyMessage, CountDestinations,
                Param("set", ParameterKind.Int, SetFixup), Param("filter", ParameterKind.String, CountFilterFixup),
                Param("result", ParameterKind.WritableVariable), Param("partition", ParameterKind.String, PartitionFixup)),
            Function("ds_is_in_list", 2, RouteTypes.AnyMessage, IsInList,
                Param("ip", ParameterKind.Format), Param("port", ParameterKind.Int), Param("set", ParameterKind.Int, SetFixup),
                Param("partition", ParameterKind.String, PartitionFixup), Param("active_only", ParameterKind.Int),
                Param("pattern", ParameterKind.String, _ => FixupResult.Fail("ds_is_in_list's attrs pattern is not built"))),
        ],
        [
            String("db_url", null, v => DbUrl = v),
            String("table_name", "dispatcher", v => TableName = v!, v => string.IsNullOrEmpty(v) || v.Contains('/', StringComparison.Ordinal) ? "not a table name" : null),
            String("ds_list_file", null, v => ListFile = v),
            String("dst_avp", "$avp(ds_dst_failover)", v => DstAvp = AvpName(v)!, AvpRefusal),
            String("grp_avp", "$avp(ds_grp_failover)", v => GrpAvp = AvpName(v)!, AvpRefusal),
            String("cnt_avp", "$avp(ds_cnt_failover)", v => CntAvp = AvpName(v)!, AvpRefusal),
            String("sock_avp", "$avp(ds_sock_failover)", v => SockAvp = AvpName(v)!, AvpRefusal),
            String("attrs_avp", null, v => AttrsAvp = AvpName(v), v => v is null ? null : AvpRefusal(v)),
            Unsupported("script_attrs_avp", null, "script attributes (ds_push_script_attrs) are not built"),
            Unsupported("hash_pvar", null, "algorithm 7 (hash over hash_pvar) is not built"),
            Unsupported("pvar_algo_pattern", null, "algorithm 9 (load from pvar_algo_pattern) is not built"),
            Unsupported("algo_route", null, "algorithm 10 (algo_route scores) is not built"),
            Unsupported("setid_pvar", null, "ds_is_in_list does not set setid_pvar"),
            Unsupported("partition", null, "partitions are not built; use db_url/table_name (the default partition)"),
            Unsupported("ds_probing_sock", null, "probes leave from the prober's own UDP socket on the first listener's address"),
            Unsupported("ds_probing_list", null, "every set is probed"),
            OnlyDefault("cluster_id", 0, "dispatcher state replication (clusterer) is not built"),
            OnlyDefault("fetch_freeswitch_stats", 0, "FreeSWITCH weights are not built"),
            Int("persistent_state", 1, v => PersistentState = v != 0, v => v is 0 or 1 ? null : "must be 0 or 1"),
            Int("ds_ping_interval", 0, v => PingInterval = v, v => v is < 0 or > 86_400 ? "must be 0..86400 seconds" : null),
            String("ds_ping_method", "OPTIONS", v => PingMethod = v!, v => string.IsNullOrEmpty(v) || !IsToken(v) ? "not a SIP method" : null),
            String("ds_ping_from", "sip:dispatcher@localhost", v => PingFrom = v!, v => v is null || !v.StartsWith("sip", StringComparison.OrdinalIgnoreCase) ? "not a SIP URI" : null),
            Int("ds_ping_maxfwd", 0, v => PingMaxForwards = v, v => v is < 0 or > 255 ? "must be 0..255 (0: not set)" : null),
            Int("ds_probing_threshold", 3, v => ProbingThreshold = v, v => v is < 1 or > 1000 ? "must be 1..1000" : null),
            Int("ds_probing_threshhold", 3, v => ProbingThresholdAlias = v, v => v is < 1 or > 1000 ? "must be 1..1000" : null),
            Int("ds_probing_mode", 0, v => ProbingMode = v, v => v is 0 or 1 ? null : "must be 0 (probe only probing destinations) or 1 (probe all)"),
            String("options_reply_codes", null, v => ReplyCodes = ParseCodes(v) ?? [], v => v is null || ParseCodes(v) is not null ? null : "must be status codes separated by commas"),
        ])
        {
            Statistics = [_selections, _noDestination],
            MiCommands = MiCommands(),
            Init = Load,
        };
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    public string? DbUrl { get; private set; }

    public string TableName { get; private set; } = "dispatcher";

    /// <summary>Hyperproxy: a dispatcher table file named directly (db_text format), instead of db_url + table_name.</summary>
    public string? ListFile { get; private set; }

    public string DstAvp { get; private set; } = "ds_dst_failover";

    public string GrpAvp { get; private set; } = "ds_grp_failover";

    public string CntAvp { get; private set; } = "ds_cnt_failover";

    public string SockAvp { get; private set; } = "ds_sock_failover";

    public string? AttrsAvp { get; private set; }

    public bool PersistentState { get; private set; } = true;

    public int PingInterval { get; private set; }

    public string PingMethod { get; private set; } = "OPTIONS";

    public string PingFrom { get; private set; } = "sip:dispatcher@localhost";

    public int PingMaxForwards { get; private set; }

    public int ProbingMode { get; private set; }

    private int ProbingThresholdAlias { get; set; } = 3;

    private int ProbingThresholdMain { get; set; } = 3;

    /// <summary>ds_probing_threshold (or its misspelt alias when only that is set).</summary>
    public int ProbingThreshold
    {
        get => ProbingThresholdMain != 3 ? ProbingThresholdMain : ProbingThresholdAlias;
        private set => ProbingThresholdMain = value;
    }

    /// <summary>Reply codes other than 200 that count as an answered probe.</summary>
    public int[] ReplyCodes { get; private set; } = [];

    /// <summary>Where a relative <c>text://dir</c> or list file starts (the script's directory).</summary>
    public string ConfigDirectory { get; set; } = Environment.CurrentDirectory;

    /// <summary>The snapshot the workers read now.</summary>
    public DispatcherSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Whether the script loads the module with a table (the prober and MI have something to do).</summary>
    public bool Loaded { get; private set; }

    /// <summary>The table file in use.</summary>
    public string? TablePath { get; private set; }

    /// <summary>The tm fr_timeout (ms) a probe waits for its final reply.</summary>
    public int ProbeTimeoutMs => _tm.Settings.FrTimeoutMs;

    /// <summary>T1 and T2 of tm, for probe retransmissions.</summary>
    public (int T1, int T2) ProbeTimers => (_tm.Settings.T1Ms, _tm.Settings.T2Ms);

    /// <summary>The failover AVPs a compiled script must have slots for, even when it never names them.</summary>
    public void ReserveAvps(ScriptProgram program)
    {
        if (!program.IsModuleLoaded(Name))
        {
            return;
        }

        program.ModuleAvps.Add(DstAvp);
        program.ModuleAvps.Add(GrpAvp);
        program.ModuleAvps.Add(CntAvp);
        program.ModuleAvps.Add(SockAvp);
        if (AttrsAvp is not null)
        {
            program.ModuleAvps.Add(AttrsAvp);
        }
    }

    /// <summary>Takes the AVP slots of the compiled script; an error when probing is asked without tm.</summary>
    public string? Bind(CompiledScript script)
    {
        if (!script.Program.IsModuleLoaded(Name))
        {
            return null;
        }

        if (!Loaded)
        {
            return "module dispatcher: db_url must be set (dispatcher has no default database), e.g. modparam(\"dispatcher\", \"db_url\", \"text:///etc/hyperproxy/db\")";
        }

        _dstSlot = script.AvpSlot(DstAvp);
        _grpSlot = script.AvpSlot(GrpAvp);
        _cntSlot = script.AvpSlot(CntAvp);
        _sockSlot = script.AvpSlot(SockAvp);
        _attrsSlot = AttrsAvp is null ? -1 : script.AvpSlot(AttrsAvp);
        if (PingInterval > 0 && !script.Program.IsModuleLoaded(Tm.TmModule.Name))
        {
            return "module dispatcher: ds_ping_interval needs the tm module (loadmodule \"tm.so\"): probes are transactions";
        }

        return null;
    }

    /// <summary>Publishes a new snapshot (state changes: one writer at a time wins, the others retry on the newer one).</summary>
    public bool SetState(DispatcherData data, int index, byte state)
    {
        for (int attempt = 0; attempt < 64; attempt++)
        {
            DispatcherSnapshot current = Volatile.Read(ref _snapshot);
            if (!ReferenceEquals(current.Data, data))
            {
                return false; // reloaded meanwhile: the destination is gone or has a new index
            }

            if (current.States[index] == state)
            {
                return true;
            }

            if (Interlocked.CompareExchange(ref _snapshot, current.With(index, state), current) == current)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A probe answered (200 or an options_reply_codes code): active, failure count cleared.</summary>
    public void ProbeSucceeded(DispatcherData data, int index)
    {
        Volatile.Write(ref data.Failures[index], 0);
        SetState(data, index, DispatcherState.Active);
    }

    /// <summary>A probe failed (timeout or another code): an active destination turns probing at the threshold.</summary>
    public void ProbeFailed(DispatcherData data, int index)
    {
        DispatcherSnapshot s = Volatile.Read(ref _snapshot);
        if (ReferenceEquals(s.Data, data) && s.States[index] == DispatcherState.Active
            && Interlocked.Increment(ref data.Failures[index]) >= ProbingThreshold)
        {
            SetState(data, index, DispatcherState.Probing);
        }
    }

    /// <summary>ds_reload: reads the table again; states of URIs present before are kept when <paramref name="inherit"/>.</summary>
    public string? Reload(bool inherit)
    {
        if (TablePath is null)
        {
            return "no dispatcher table is loaded";
        }

        DispatcherData data;
        try
        {
            data = DispatcherData.Load(TablePath);
        }
        catch (Exception e) when (e is DbTextException or IOException)
        {
            return e.Message;
        }

        DispatcherSnapshot old = Volatile.Read(ref _snapshot);
        DispatcherSnapshot fresh = DispatcherSnapshot.Initial(data);
        if (inherit)
        {
            foreach (DispatcherDestination d in data.All)
            {
                foreach (DispatcherDestination o in old.Data.All)
                {
                    if (o.SetId == d.SetId && string.Equals(o.Uri, d.Uri, StringComparison.OrdinalIgnoreCase))
                    {
                        fresh.States[d.Index] = old.States[o.Index];
                        break;
                    }
                }
            }
        }

        Volatile.Write(ref _snapshot, fresh);
        return null;
    }

    private string? Load()
    {
        if (DbUrl is null && ListFile is null)
        {
            return _used
                ? "db_url must be set (dispatcher has no default database); e.g. modparam(\"dispatcher\", \"db_url\", \"text:///etc/hyperproxy/db\") with a 'dispatcher' table file there"
                : null;
        }

        if (DbUrl is not null && ListFile is not null)
        {
            return "set db_url (with table_name) or ds_list_file, not both";
        }

        string path;
        if (ListFile is not null)
        {
            path = System.IO.Path.IsPathRooted(ListFile) ? ListFile : System.IO.Path.Combine(ConfigDirectory, ListFile);
        }
        else
        {
            string? dir = DbTextModule.DirectoryOf(DbUrl!, ConfigDirectory, out string? error);
            if (dir is null)
            {
                return error;
            }

            path = System.IO.Path.Combine(dir, TableName);
        }

        try
        {
            DispatcherData data = DispatcherData.Load(path);
            Volatile.Write(ref _snapshot, DispatcherSnapshot.Initial(data));
            TablePath = path;
            Loaded = true;
            return null;
        }
        catch (DbTextException e)
        {
            return e.Message;
        }
        catch (IOException e)
        {
            return $"db_text: {e.Message}";
        }
    }

    private ParameterDeclaration[] SelectParameters() =>
    [
        Param("set", ParameterKind.Int, SetFixup),
        Param("alg", ParameterKind.Int, AlgorithmFixup),
        Param("flags", ParameterKind.String, FlagsFixup),
        Param("partition", ParameterKind.String, PartitionFixup),
        Param("max_results", ParameterKind.Int),
    ];

    private FixupResult SetFixup(Script.Syntax.LiteralExpression c)
    {
        _used = true;
        return c.Kind == Script.Syntax.LiteralKind.Int || int.TryParse(c.ToString(), out _)
            ? FixupResult.Ok(c.Kind == Script.Syntax.LiteralKind.Int ? c.IntValue : int.Parse(c.ToString(), System.Globalization.CultureInfo.InvariantCulture))
            : FixupResult.Fail($"'{c}' is not a set number");
    }

    private static FixupResult AlgorithmFixup(Script.Syntax.LiteralExpression c)
    {
        if (!int.TryParse(c.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int alg))
        {
            return FixupResult.Fail($"'{c}' is not an algorithm number");
        }

        return AlgorithmRefusal(alg) is { } why ? FixupResult.Fail(why) : FixupResult.Ok(alg);
    }

    /// <summary>Why algorithm <paramref name="alg"/> cannot run, or null.</summary>
    internal static string? AlgorithmRefusal(int alg) => alg switch
    {
        0 or 1 or 2 or 3 or 4 or 5 or 6 or 8 => null,
        7 => "algorithm 7 (hash over hash_pvar) is not built",
        9 => "algorithm 9 (load from pvar_algo_pattern) is not built",
        10 => "algorithm 10 (algo_route) is not built",
        _ => $"unknown algorithm {alg} (0 Call-ID, 1 From, 2 To, 3 R-URI hash, 4 round-robin, 5 auth username, 6 random, 8 first)",
    };

    private static FixupResult FlagsFixup(Script.Syntax.LiteralExpression c) =>
        DispatcherFlagParser.Parse(c.ToString(), out DispatcherFlags flags, out int limit) is { } why
            ? FixupResult.Fail(why)
            : FixupResult.Ok(new SelectOptions(flags, limit));

    /// <summary>ds_count's filter: any of a (active), i (inactive), p (probing), case-insensitive; a bit per state.</summary>
    private static FixupResult CountFilterFixup(Script.Syntax.LiteralExpression c)
    {
        int mask = 0;
        foreach (char ch in c.ToString())
        {
            switch (ch)
            {
                case 'a' or 'A': mask |= 1 << DispatcherState.Active; break;
                case 'i' or 'I': mask |= 1 << DispatcherState.Inactive; break;
                case 'p' or 'P': mask |= 1 << DispatcherState.Probing; break;
                case ' ': break;
                default: return FixupResult.Fail($"ds_count filter '{c}': letters a (active), i (inactive), p (probing)");
            }
        }

        return mask == 0 ? FixupResult.Fail("ds_count needs a filter (a, i, p)") : FixupResult.Ok(mask);
    }

    private static FixupResult PartitionFixup(Script.Syntax.LiteralExpression c) =>
        c.ToString() is "" or "default" ? FixupResult.Ok(null) : FixupResult.Fail($"partition '{c}': partitions are not built (only \"default\")");

    private static FixupResult StateFixup(Script.Syntax.LiteralExpression c) =>
        DispatcherState.TryParse(c.ToString(), out byte state) ? FixupResult.Ok(state) : FixupResult.Fail($"'{c}' is not a state (i/I/0 inactive, a/A/1 active, p/P/2 probing)");

    private static string? AvpName(string? spec)
    {
        if (spec is null)
        {
            return null;
        }

        spec = spec.Trim();
        return spec.StartsWith("$avp(", StringComparison.Ordinal) && spec.EndsWith(')') ? spec[5..^1] : spec;
    }

    private static string? AvpRefusal(string? spec) =>
        AvpName(spec) is { Length: > 0 } n && !n.Contains('(') && !n.Contains('$') ? null : $"'{spec}' is not an AVP ($avp(name))";

    private static bool IsToken(string s)
    {
        foreach (char ch in s)
        {
            if (!char.IsAsciiLetterOrDigit(ch) && ch is not ('-' or '.' or '!' or '%' or '*' or '_' or '+' or '`' or '\'' or '~'))
            {
                return false;
            }
        }

        return true;
    }

    private static int[]? ParseCodes(string? text)
    {
        if (text is null)
        {
            return [];
        }

        var codes = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, out int code) || code is < 100 or > 699)
            {
                return null;
            }

            codes.Add(code);
        }

        return [.. codes];
    }

    /// <summary>The fixed flags argument.</summary>
    internal sealed record SelectOptions(DispatcherFlags Flags, int Limit);
}
