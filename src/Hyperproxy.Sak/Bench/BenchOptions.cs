using System.Globalization;
using Hyperproxy.Sak.Cli;

namespace Hyperproxy.Sak.Bench;

/// <summary>Flags of `hypersak bench` (named flags, echoed at the top of every run).</summary>
public sealed class BenchOptions
{
    public string Target { get; set; } = "";

    public BenchScenario Scenario { get; set; } = BenchScenario.Options;

    /// <summary>Open loop: requests per second over all threads (0: closed loop).</summary>
    public double Rate { get; set; }

    /// <summary>Closed loop: outstanding requests per thread.</summary>
    public int Window { get; set; } = 64;

    public double DurationS { get; set; } = 5;

    /// <summary>Total requests over all threads (0: run for the duration).</summary>
    public long Count { get; set; }

    public double WarmupS { get; set; }

    public int Threads { get; set; } = 1;

    public int[]? Cpus { get; set; }

    public int Batch { get; set; } = 64;

    public int Users { get; set; } = 1000;

    public List<string> Paths { get; } = [];

    /// <summary>--route: pre-loaded Route set (in order); requests are sent to the first route's address.</summary>
    public List<string> Routes { get; } = [];

    public int Expires { get; set; } = 3600;

    public int TimeoutMs { get; set; } = 2000;

    public bool Json { get; set; }

    public string? LocalIp { get; set; }

    /// <summary>First CSeq of REGISTER (-1: from the clock, so it rises from run to run).</summary>
    public long CSeqBase { get; set; } = -1;

    public string Label { get; set; } = "hypersak";

    /// <summary>Call scenario: REGISTER the callee AoRs through the target first (it routes INVITEs by lookup).</summary>
    public bool RegisterCallee { get; set; }

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var o = new BenchOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string word = args[i];
            if (!word.StartsWith("--", StringComparison.Ordinal))
                throw new SakException($"bench: unexpected argument '{word}' (see hypersak bench --help)");
            string name = OptionParser.SplitLong(word, out string? value);
            string V() => value ?? (i + 1 < args.Count ? args[++i] : throw new SakException($"bench: --{name} needs a value"));
            switch (name)
            {
                case "target": o.Target = V(); break;
                case "scenario":
                    string s = V();
                    o.Scenario = s switch
                    {
                        "options" => BenchScenario.Options,
                        "register" => BenchScenario.Register,
                        "call" => BenchScenario.Call,
                        _ => throw new SakException($"bench: unknown scenario '{s}' (options, register, call)"),
                    };
                    break;
                case "rate": o.Rate = Real(V(), "--rate", 1, 1e9); break;
                case "window": o.Window = (int)OptionParser.Number(V(), "--window", 1, 1_000_000); break;
                case "duration": o.DurationS = Real(V(), "--duration", 0.001, 86_400); break;
                case "count": o.Count = OptionParser.Number(V(), "--count", 1, long.MaxValue / 2); break;
                case "warmup": o.WarmupS = Real(V(), "--warmup", 0, 3600); break;
                case "threads": o.Threads = (int)OptionParser.Number(V(), "--threads", 1, 256); break;
                case "cpus":
                    string list = V();
                    if (!Hyperproxy.Transport.CpuList.TryParse(list, out int[]? cpus, out string? error))
                        throw new SakException($"bench: --cpus '{list}': {error}");
                    o.Cpus = cpus;
                    break;
                case "batch": o.Batch = (int)OptionParser.Number(V(), "--batch", 1, 1024); break;
                case "users": o.Users = (int)OptionParser.Number(V(), "--users", 1, 99_999_999); break;
                case "path": o.Paths.Add(V()); break;
                case "route": o.Routes.Add(V()); break;
                case "expires": o.Expires = (int)OptionParser.Number(V(), "--expires", 0, int.MaxValue); break;
                case "timeout-ms": o.TimeoutMs = (int)OptionParser.Number(V(), "--timeout-ms", 1, 600_000); break;
                case "local": o.LocalIp = V(); break;
                case "cseq-base": o.CSeqBase = OptionParser.Number(V(), "--cseq-base", 1, 2_000_000_000); break;
                case "label": o.Label = V(); break;
                case "register-callee":
                    if (value != null)
                        throw new SakException("bench: --register-callee takes no value");
                    o.RegisterCallee = true;
                    break;
                case "json":
                    if (value != null)
                        throw new SakException("bench: --json takes no value");
                    o.Json = true;
                    break;
                default:
                    throw new SakException($"bench: unknown option --{name} (see hypersak bench --help)");
            }
        }
        if (o.Target.Length == 0)
            throw new SakException("bench: --target HOST:PORT is required");
        if (o.RegisterCallee && o.Scenario != BenchScenario.Call)
            throw new SakException("bench: --register-callee belongs to --scenario call");
        if (o.Cpus != null && o.Cpus.Length < o.Threads)
            throw new SakException($"bench: --cpus lists {o.Cpus.Length} CPUs for {o.Threads} threads");
        return o;
    }

    private static double Real(string text, string option, double min, double max)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || d < min || d > max)
            throw new SakException($"bench: {option} '{text}' is not a number in {min}-{max}");
        return d;
    }
}
