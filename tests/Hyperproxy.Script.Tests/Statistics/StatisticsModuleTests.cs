using Hyperproxy.Modules;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Statistics;
using Hyperproxy.Script.Tests.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Testing;

namespace Hyperproxy.Script.Tests.Statistics;

public class StatisticsModuleTests
{
    private const string Head = ScriptTestHelper.ModuleLines + "loadmodule \"statistics.so\"\n"
        + "modparam(\"statistics\", \"stat_groups\", \"calls\")\n"
        + "modparam(\"statistics\", \"variable\", \"register_counter\")\n"
        + "modparam(\"statistics\", \"variable\", \"calls:active/no_reset\")\n";

    private sealed class Run
    {
        private readonly byte[] _bytes = System.Text.Encoding.ASCII.GetBytes(ScriptRun.Request("OPTIONS"));
        private readonly SipMessage _message = new();
        private readonly SipEdits _edits = new();

        public Run(string route)
        {
            var catalog = new ModuleCatalog();
            Script = catalog.CompileText(Head + "route {\n" + route + "\n}\n");
            Registry = new StatisticsRegistry();
            foreach (var (group, stat) in catalog.Statistics.Declared)
                Registry.Register(group, [stat]);
            Registry.Seal(2);
            Host.Statistics = Registry;
            Host.Recording = false;
            Context = Script.CreateContext(Host);
            Context.Worker = 1;
        }

        public CompiledScript Script { get; }

        public StatisticsRegistry Registry { get; }

        public FakeHost Host { get; } = new();

        public ScriptContext Context { get; }

        public void Once()
        {
            _message.Parse(_bytes, 0, _bytes.Length);
            _edits.Reset(_message);
            Context.Begin(_message, _edits, ScriptRun.Uac, 0);
            Script.RunRequest(Context);
        }
    }

    [Fact]
    public void UpdateStatAddsToDeclaredAndConstantNamedStatistics()
    {
        var run = new Run("update_stat(\"register_counter\", \"+1\"); update_stat(\"calls:active\", 2); update_stat(\"seen_here\", \"+1\");");
        run.Once();
        run.Once();
        Assert.Equal(2, run.Registry.Find("dynamic:register_counter")!.Read());
        Assert.Equal(4, run.Registry.Find("calls:active")!.Read());
        Assert.Equal(2, run.Registry.Find("dynamic:seen_here")!.Read());
    }

    [Fact]
    public void ResetStatZeroesACounterButNotANoResetStatistic()
    {
        var run = new Run("update_stat(\"register_counter\", 5); update_stat(\"calls:active\", 5); reset_stat(\"register_counter\"); reset_stat(\"calls:active\");");
        run.Once();
        Assert.Equal(0, run.Registry.Find("register_counter")!.Read());
        Assert.Equal(5, run.Registry.Find("calls:active")!.Read());
        Assert.Equal(StatisticKind.Gauge, run.Registry.Find("calls:active")!.Kind);
    }

    [Fact]
    public void StatReadsWhatUpdateStatWrote()
    {
        var run = new Run("update_stat(\"register_counter\", 3); $var(x) = $stat(register_counter); update_stat(\"calls:active\", $var(x));");
        run.Once();
        Assert.Equal(3, run.Registry.Find("calls:active")!.Read());
    }

    [Fact]
    public void UpdateStatOnAWorkerAllocatesNothing()
    {
        var run = new Run("update_stat(\"register_counter\", \"+1\");");
        run.Once();
        long allocated = Allocations.Least(() =>
        {
            for (int i = 0; i < 20_000; i++)
                run.Once();
        });
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void AGroupNotInStatGroupsIsRefusedAtStartUp()
    {
        var catalog = new ModuleCatalog();
        string text = ScriptTestHelper.ModuleLines + "loadmodule \"statistics.so\"\nmodparam(\"statistics\", \"variable\", \"nogroup:x\")\nroute { exit; }\n";
        Assert.Null(catalog.TryLoadText(text, "s.cfg", out var errors));
        Assert.Contains(errors, e => e.ToString().Contains("stat_groups", StringComparison.Ordinal));
    }
}
