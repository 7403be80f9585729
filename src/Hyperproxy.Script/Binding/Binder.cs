using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Binding;

/// <summary>
/// Checks a parsed script against the registries and binds it in place: globals typed,
/// modules resolved, modparams type-checked, routes indexed, calls and variables resolved,
/// constants folded, regexes compiled, fix-ups run, route-type rules enforced through the
/// <c>route()</c> call graph. Every error is reported (up to the bag's bound).
/// </summary>
public sealed partial class Binder
{
    private const int FlagCount = 32;

    private readonly FunctionRegistry _functions;
    private readonly PseudoVariableRegistry _variables;
    private readonly DiagnosticBag _diagnostics;
    private readonly Dictionary<(RouteTypes, string), RouteDefinition> _routes = new();
    private readonly List<ModuleDeclaration> _loaded = new();
    private readonly HashSet<string> _missing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _messageFlags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _branchFlags = new(StringComparer.Ordinal);
    private readonly List<(RouteDefinition Caller, RouteDefinition Callee)> _calls = new();
    private readonly List<(SyntaxNode Node, string What, RouteTypes Allowed, RouteDefinition Route)> _routeChecks = new();
    private bool _usesForward;

    public Binder(FunctionRegistry functions, PseudoVariableRegistry variables, DiagnosticBag diagnostics)
    {
        _functions = functions;
        _variables = variables;
        _diagnostics = diagnostics;
    }

    public ScriptProgram Bind(ScriptSyntax script)
    {
        var settings = GlobalsBinder.Bind(script.Globals, _diagnostics);
        BindLoadModules(script.LoadModules);
        var parameters = BindModParams(script.ModParams);
        IndexRoutes(script.Routes);
        foreach (var route in script.Routes)
        {
            var context = new RouteContext(route);
            BindStatements(route.Body.Statements, context);
        }

        ComputeReachability(script.Routes);
        CheckRouteTypes();
        if (script.Routes.Count > 0 && !_routes.ContainsKey((RouteTypes.Request, string.Empty)))
            _diagnostics.Report(script.Routes[0].Location, "the script has no main route block (route { ... })");

        return new ScriptProgram(settings, _loaded, parameters, script.Routes, _routes, _messageFlags, _branchFlags, _usesForward);
    }

    private void BindLoadModules(List<LoadModuleSyntax> loadModules)
    {
        foreach (var load in loadModules)
        {
            string file = load.Path.Replace('\\', '/');
            string name = file[(file.LastIndexOf('/') + 1)..];
            if (name.EndsWith(".so", StringComparison.Ordinal))
                name = name[..^3];
            if (name.Length == 0 || !_functions.TryGetModule(name, out var module) || name == FunctionRegistry.CoreModuleName)
            {
                ReportMissingModule(load, name);
                continue;
            }

            if (!_loaded.Contains(module))
                _loaded.Add(module);
        }
    }

    /// <summary>
    /// A module that is not built in: an error, or one warning per module with <see cref="FunctionRegistry.IgnoreMissingModules"/>.
    /// Either way its modparams are not checked again (one report per module).
    /// </summary>
    private void ReportMissingModule(LoadModuleSyntax load, string name)
    {
        string builtIn = _functions.BuiltInModuleNames();
        bool first = _missing.Add(name);
        if (!_functions.IgnoreMissingModules || name.Length == 0)
        {
            _diagnostics.Report(load.PathLocation,
                $"module '{name}' is not built into Hyperproxy (loadmodule \"{load.Path}\"); built in: {builtIn}; --ignore-missing-modules skips it with a warning");
            return;
        }

        if (first)
            _diagnostics.ReportWarning(load.PathLocation, $"module '{name}' is not built into Hyperproxy and is ignored (--ignore-missing-modules); its functions are unknown; built in: {builtIn}");
    }

    private List<ModuleParameterValue> BindModParams(List<ModParamSyntax> modParams)
    {
        var values = new List<ModuleParameterValue>();
        foreach (var mp in modParams)
        {
            if (mp.Module.Kind != LiteralKind.String || mp.Parameter.Kind != LiteralKind.String)
            {
                _diagnostics.Report(mp.Location, "modparam expects (\"module\", \"parameter\", value)");
                continue;
            }

            foreach (string moduleName in mp.Module.StringValue!.Split('|'))
            {
                if (_missing.Contains(moduleName))
                    continue; // reported at its loadmodule
                if (!_functions.TryGetModule(moduleName, out var module) || moduleName == FunctionRegistry.CoreModuleName)
                {
                    _diagnostics.Report(mp.Module.Location, $"modparam: unknown module '{moduleName}'");
                    continue;
                }

                if (!_loaded.Contains(module))
                {
                    _diagnostics.Report(mp.Module.Location, $"modparam: module '{moduleName}' is not loaded (add loadmodule \"{moduleName}.so\")");
                    continue;
                }

                string parameterName = mp.Parameter.StringValue!;
                var parameter = module.FindParameter(parameterName);
                if (parameter is null)
                {
                    _diagnostics.Report(mp.Parameter.Location, $"module '{moduleName}' has no parameter '{parameterName}'");
                    continue;
                }

                if (ConvertModParam(mp.Value, parameter, moduleName) is { } value)
                    values.Add(new ModuleParameterValue(module, parameter, value, mp.Location));
            }
        }

        return values;
    }

    private object? ConvertModParam(LiteralExpression value, ModuleParameterDeclaration parameter, string moduleName)
    {
        if (parameter.Type == ModuleParameterType.Int)
        {
            if (value.Kind == LiteralKind.Int)
                return value.IntValue;
            if (value.Kind == LiteralKind.String && int.TryParse(value.StringValue, out int parsed))
                return parsed;
        }
        else if (value.Kind == LiteralKind.String)
        {
            return value.StringValue!;
        }

        string expected = parameter.Type == ModuleParameterType.Int ? "an integer" : "a string";
        string got = value.Kind switch
        {
            LiteralKind.Int => $"integer {value.IntValue}",
            LiteralKind.String => $"string \"{value.StringValue}\"",
            _ => "NULL",
        };
        _diagnostics.Report(value.Location, $"parameter '{parameter.Name}' of module '{moduleName}' expects {expected}, got {got}");
        return null;
    }

    private void IndexRoutes(List<RouteDefinition> routes)
    {
        foreach (var route in routes)
        {
            if (!_routes.TryAdd((route.Kind, route.Name), route))
            {
                var first = _routes[(route.Kind, route.Name)];
                _diagnostics.Report(route.Location, $"{route.DisplayName} is already defined at {first.Location}");
            }
        }
    }

    /// <summary>
    /// A named <c>route[x]</c> runs in the kinds of every block that reaches it through
    /// <c>route()</c>; propagate along call edges until nothing changes.
    /// </summary>
    private void ComputeReachability(List<RouteDefinition> routes)
    {
        foreach (var route in routes)
            route.ReachableFrom = route.Kind == RouteTypes.Request && !route.IsMain ? RouteTypes.None : route.Kind;

        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var (caller, callee) in _calls)
            {
                var merged = callee.ReachableFrom | caller.ReachableFrom;
                if (merged != callee.ReachableFrom && (callee.Kind == RouteTypes.Request && !callee.IsMain))
                {
                    callee.ReachableFrom = merged;
                    changed = true;
                }
            }
        }
    }

    private void CheckRouteTypes()
    {
        foreach (var (node, what, allowed, route) in _routeChecks)
        {
            var bad = route.ReachableFrom & ~allowed;
            if (bad == RouteTypes.None)
                continue;
            string kinds = DescribeKinds(bad);
            string via = route.Kind == RouteTypes.Request && !route.IsMain ? $" ({route.DisplayName} is called from {kinds})" : string.Empty;
            _diagnostics.Report(node.Location, $"{what} cannot be used in {kinds}{via}");
        }
    }

    private static string DescribeKinds(RouteTypes kinds)
    {
        var names = new List<string>();
        for (int bit = 1; bit <= (int)RouteTypes.Event; bit <<= 1)
        {
            if (((int)kinds & bit) != 0)
                names.Add(RouteDefinition.KeywordOf((RouteTypes)bit));
        }

        return string.Join(", ", names);
    }

    private int AllocateFlag(Dictionary<string, int> table, string name, SourceLocation location, string kind)
    {
        if (table.TryGetValue(name, out int index))
            return index;
        if (table.Count >= FlagCount)
        {
            _diagnostics.Report(location, $"too many {kind} names (at most {FlagCount})");
            return -1;
        }

        index = table.Count;
        table.Add(name, index);
        return index;
    }

    /// <summary>Where the binder is: the block being bound and how deep in switch/while (for break).</summary>
    private sealed class RouteContext
    {
        public RouteContext(RouteDefinition route)
        {
            Route = route;
        }

        public RouteDefinition Route { get; }

        public int BreakableDepth { get; set; }
    }
}
