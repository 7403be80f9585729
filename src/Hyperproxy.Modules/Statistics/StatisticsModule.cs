using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Statistics;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Statistics;

/// <summary>
/// The statistics module (OpenSIPS <c>modules/statistics</c>): script-defined statistics.
/// <c>modparam("statistics", "variable", "name[/no_reset]")</c> (repeatable; <c>group:name</c> when the group is
/// listed in <c>stat_groups</c>) declares one; <c>update_stat(name, value)</c> adds to it from the calling worker's
/// own cell and <c>reset_stat(name)</c> sets it back to 0. A constant name used in <c>update_stat</c> that no
/// <c>variable</c> declares is declared at start-up in the <c>dynamic</c> group (OpenSIPS creates it on first use).
/// Groups other than <c>dynamic</c> are registered as they are, after the module groups.
/// </summary>
public sealed class StatisticsModule
{
    public const string Name = "statistics";
    public const string DefaultGroup = "dynamic";
    private const RouteTypes Anywhere = RouteTypes.All;

    private readonly List<(string Group, Statistic Stat)> _declared = [];
    private readonly HashSet<string> _groups = new(StringComparer.Ordinal) { DefaultGroup };

    public StatisticsModule()
    {
        Exports = new ModuleDeclaration(Name,
        [
            Function("update_stat", 2, Anywhere, UpdateStat, PrepareUpdate,
                Param("variable", ParameterKind.Format, ConstantName), Param("value", ParameterKind.Format)),
            Function("reset_stat", 1, Anywhere, ResetStat, Param("variable", ParameterKind.Format)),
        ],
        [
            new ModuleParameterDeclaration("stat_groups", ModuleParameterType.String, null, v => StoreGroups((string?)v)),
            new ModuleParameterDeclaration("variable", ModuleParameterType.String, null, v => Declare((string?)v)) { Repeatable = true },
        ]);
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    /// <summary>The declared statistics with their groups, for the server's registry (start-up).</summary>
    public IReadOnlyList<(string Group, Statistic Stat)> Declared => _declared;

    private string? StoreGroups(string? list)
    {
        if (list is null)
            return null;
        foreach (string g in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            _groups.Add(g);
        return null;
    }

    private string? Declare(string? spec)
    {
        if (spec is null)
            return null; // the row's default: nothing declared
        if (string.IsNullOrWhiteSpace(spec))
            return "a statistic needs a name";
        string name = spec.Trim();
        bool noReset = false;
        int slash = name.IndexOf('/');
        if (slash >= 0)
        {
            string flag = name[(slash + 1)..];
            if (flag != "no_reset")
                return $"unknown statistic flag '{flag}' (no_reset is the only one)";
            noReset = true;
            name = name[..slash];
        }

        string group = DefaultGroup;
        int colon = name.IndexOf(':');
        if (colon >= 0)
        {
            group = name[..colon];
            name = name[(colon + 1)..];
            if (!_groups.Contains(group))
                return $"statistic group '{group}' is not declared in stat_groups";
        }

        if (name.Length == 0)
            return "a statistic needs a name";
        foreach (var (g, s) in _declared)
        {
            if (g == group && s.Name == name)
                return null; // declared twice: the same statistic
        }

        _declared.Add((group, noReset ? Statistic.Level(name) : Statistic.Counter(name)));
        return null;
    }

    private static FixupResult ConstantName(Script.Syntax.LiteralExpression constant)
    {
        string text = constant.ToString();
        return FixupResult.Ok(text.Contains('$', StringComparison.Ordinal) ? null : new ConstantStatName(text));
    }

    private object? PrepareUpdate(CallArguments args)
    {
        if (args.Fixed(0) is ConstantStatName n)
            Declare(n.Name);
        return null;
    }

    /// <summary><c>update_stat(variable, value)</c>: value is an integer, signed (<c>"+1"</c>, <c>"-1"</c>, <c>5</c>).</summary>
    private static int UpdateStat(ScriptContext c, CallArguments a)
    {
        Statistic? s = c.Host.Statistics?.Find(a.Bytes(c, 0));
        if (s is null)
        {
            a.Error(c, "no such statistic");
            return ScriptResult.False;
        }

        ReadOnlySpan<byte> v = a.Bytes(c, 1);
        if (!v.IsEmpty && v[0] == (byte)'+')
            v = v[1..];
        if (!System.Buffers.Text.Utf8Parser.TryParse(v, out long delta, out int used) || used != v.Length)
        {
            a.Error(c, "update value is not an integer");
            return ScriptResult.False;
        }

        s.Add(c.Worker, delta);
        return ScriptResult.True;
    }

    /// <summary><c>reset_stat(variable)</c>: a counter back to 0; a no_reset statistic or a gauge stays (false).</summary>
    private static int ResetStat(ScriptContext c, CallArguments a)
    {
        StatisticsRegistry? registry = c.Host.Statistics;
        Statistic? s = registry?.Find(a.Bytes(c, 0));
        if (s is null)
        {
            a.Error(c, "no such statistic");
            return ScriptResult.False;
        }

        return registry!.Reset(s) ? ScriptResult.True : ScriptResult.False;
    }

    private sealed record ConstantStatName(string Name);
}
