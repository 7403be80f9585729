using System.Text.RegularExpressions;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Management;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Tracing;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Tracer;

/// <summary>
/// tracer (OpenSIPS 3.x; <c>siptrace</c> and <c>sip_trace()</c> before 3.0) and proto_hep's destinations.
/// <c>trace(trace_id[, scope[, type]])</c> captures the message as received (scope <c>m</c>) and, with scope
/// <c>t</c> (the default), what this proxy sends for it and, under tm, the whole transaction: local replies, the relayed
/// request. Captures go from the worker to the tracer thread through its own bounded ring (full = counted
/// drop); the tracer thread sends HEPv3 to the trace_id's hep_id and keeps the last messages for the
/// dashboard (docs/tracing.md). Destinations: <c>hep:NAME</c> and <c>file:PATH</c>; sip:, database and
/// syslog destinations are refused at start-up.
/// </summary>
public sealed partial class TracerModule
{
    public const string Name = "tracer";
    public const string HepName = "proto_hep";
    private readonly List<TraceDestination> _destinations = [];
    private readonly List<HepDestination> _hepIds = [];
    private readonly Script.Statistics.Statistic _traced = Script.Statistics.Statistic.Counter("traced_messages");
    private readonly Script.Statistics.Statistic _dropped;

    public TracerModule()
    {
        _dropped = Script.Statistics.Statistic.SummedCounter("dropped_messages", () => Hub?.Dropped ?? 0);
        Exports = new ModuleDeclaration(Name,
        [
            Function("trace", 1, Routes, Trace, Prepare, Param("trace_id", ParameterKind.String, IdFixup),
                Param("scope", ParameterKind.String, ScopeFixup), Param("type", ParameterKind.String, TypeFixup)),
            Function("sip_trace", 0, Routes, Trace, Prepare, Param("trace_id", ParameterKind.String, IdFixup),
                Param("scope", ParameterKind.String, ScopeFixup), Param("type", ParameterKind.String, TypeFixup)),
        ],
        [
            new ModuleParameterDeclaration("trace_id", ModuleParameterType.String, null, v => AddTraceId((string?)v)) { Repeatable = true },
            Int("trace_on", 1, v => TraceOn = v != 0),
            Int("ring_size", 1 << 20, v => RingBytes = v, v => v >= 4096 && (v & (v - 1)) == 0 ? null : $"{v} is not a power of two ≥ 4096 (bytes per worker)"),
            Int("keep_messages", 1000, v => KeepMessages = v, v => v is >= 1 and <= 1_000_000 ? null : $"{v} is out of range (1..1000000)"),
        ])
        {
            Aliases = ["siptrace"],
            Statistics = [_traced, _dropped],
            MiCommands =
            [
                new MiCommand("trace", TraceCommand, [], ["trace_mode"], ["id"], ["id", "trace_mode"]) { Aliases = ["sip_trace"] },
            ],
        };
        HepExports = new ModuleDeclaration(HepName, [],
        [
            new ModuleParameterDeclaration("hep_id", ModuleParameterType.String, null, v => AddHepId((string?)v)) { Repeatable = true },
            Int("hep_capture_id", 1, v => CaptureId = v, v => v >= 0 ? null : "the capture id is not negative"),
            OnlyDefault("homer5_on", 1, "HEP payloads are sent as HOMER5 plain SIP (homer5_on 1)"),
        ])
        {
            // After tracer's own parameters (its table is configured first): every hep: destination is declared.
            Init = () => CheckDestinations(),
        };
        ModuleTable.ApplyDefaults(Exports);
        ModuleTable.ApplyDefaults(HepExports);
    }

    private const RouteTypes Routes = RouteTypes.Request | RouteTypes.OnReply | RouteTypes.Failure | RouteTypes.Branch;

    public ModuleDeclaration Exports { get; }

    public ModuleDeclaration HepExports { get; }

    public IReadOnlyList<TraceDestination> Destinations => _destinations;

    public IReadOnlyList<HepDestination> HepIds => _hepIds;

    public bool TraceOn { get; private set; }

    public int RingBytes { get; private set; }

    public int KeepMessages { get; private set; }

    public int CaptureId { get; private set; }

    /// <summary>The rings and on/off switch, once the server created them (<see cref="Start"/>).</summary>
    public TraceHub? Hub { get; private set; }

    /// <summary>Called by the server before its workers start: one ring per worker.</summary>
    public TraceHub Start(int workers)
    {
        Hub = new TraceHub(workers, TraceOn, RingBytes);
        return Hub;
    }

    /// <summary>The traced-message counter (the tracer thread counts what it took from the rings).</summary>
    public Script.Statistics.Statistic TracedCounter => _traced;

    private string? AddTraceId(string? spec)
    {
        // [name]uri=hep:hep1  (also accepted: [name]hep:hep1); null is the row's default: nothing declared
        if (spec is null)
            return null;
        Match m = TraceIdPattern().Match(spec ?? "");
        if (!m.Success)
            return $"'{spec}' is not a trace_id; use \"[name]uri=hep:hep_id_name\"";
        string name = m.Groups[1].Value;
        string uri = m.Groups[2].Value.Trim();
        int semi = uri.IndexOf(';');
        if (semi >= 0)
            uri = uri[..semi];
        if (uri.StartsWith("hep:", StringComparison.OrdinalIgnoreCase))
            _destinations.Add(new TraceDestination(name, uri[4..], null));
        else if (uri.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            _destinations.Add(new TraceDestination(name, null, uri[5..]));
        else if (uri.StartsWith("pcap:", StringComparison.OrdinalIgnoreCase))
            _destinations.Add(new TraceDestination(name, null, null, uri[5..]));
        else
            return $"trace_id destination '{uri}' is not supported; use hep:NAME (proto_hep's hep_id), file:PATH or pcap:PATH";
        return null;
    }

    private string? AddHepId(string? spec)
    {
        // [name] host:port; transport=udp; version=3
        if (spec is null)
            return null;
        Match m = HepIdPattern().Match(spec ?? "");
        if (!m.Success)
            return $"'{spec}' is not a hep_id; use \"[name] host:port; transport=udp; version=3\"";
        string name = m.Groups[1].Value;
        string hostPort = m.Groups[2].Value.Trim();
        int port = 9060;
        string host = hostPort;
        int colon = hostPort.LastIndexOf(':');
        if (colon > 0 && !hostPort.EndsWith(']'))
        {
            host = hostPort[..colon];
            if (!int.TryParse(hostPort.AsSpan(colon + 1), out port) || port is < 1 or > 65535)
                return $"'{hostPort}' has no valid port";
        }

        foreach (string option in m.Groups[3].Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] kv = option.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2)
                return $"hep_id option '{option}' is not name=value";
            if (kv[0] == "transport" && kv[1] != "udp")
                return kv[1] is "tcp" or "tls"
                    ? $"hep_id [{name}] transport={kv[1]}: HEP over {kv[1].ToUpperInvariant()} is not built in Hyperproxy; use transport=udp"
                    : $"hep_id [{name}] transport={kv[1]} is not a HEP transport (udp)";
            if (kv[0] == "version" && kv[1] != "3")
                return $"hep_id [{name}] version={kv[1]}: only HEPv3 is sent (version=3)";
            if (kv[0] is not ("transport" or "version"))
                return $"hep_id option '{kv[0]}' is unknown (transport, version)";
        }

        _hepIds.Add(new HepDestination(name, host.Trim('[', ']'), port));
        return null;
    }

    private string? CheckDestinations()
    {
        foreach (TraceDestination d in _destinations)
        {
            if (d.HepId is { } id && !_hepIds.Exists(h => h.Name == id))
                return $"trace_id [{d.Name}] sends to hep:{id}, but proto_hep declares no hep_id [{id}]";
        }

        return null;
    }

    private static FixupResult IdFixup(Script.Syntax.LiteralExpression c) =>
        FixupResult.Ok(c.ToString().Contains('$', StringComparison.Ordinal) ? null : c.ToString());

    private static FixupResult ScopeFixup(Script.Syntax.LiteralExpression c) => c.ToString() switch
    {
        "m" or "t" => FixupResult.Ok(c.ToString()),
        "d" or "b" => FixupResult.Fail($"scope '{c}' needs the dialog/b2b modules, which Hyperproxy does not have; use m or t"),
        _ => FixupResult.Fail($"'{c}' is not a trace scope (m, t)"),
    };

    private static FixupResult TypeFixup(Script.Syntax.LiteralExpression c) =>
        c.ToString().Split('|').All(t => t == "sip") ? FixupResult.Ok("sip") : FixupResult.Fail($"trace type '{c}': only sip messages are traced");

    [GeneratedRegex(@"^\s*\[([^\]]+)\]\s*(?:uri\s*=\s*)?(.+)$")]
    private static partial Regex TraceIdPattern();

    [GeneratedRegex(@"^\s*\[([^\]]+)\]\s*([^;]+)(.*)$")]
    private static partial Regex HepIdPattern();
}
