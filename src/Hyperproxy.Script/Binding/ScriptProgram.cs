using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Syntax;

namespace Hyperproxy.Script.Binding;

/// <summary>
/// A loaded and checked script: typed globals, loaded modules with their parameters, and
/// the bound route blocks (every call resolved to its <see cref="FunctionDeclaration"/> or
/// route, every variable to its <see cref="PseudoVariableDeclaration"/>, constants folded,
/// constant regexes compiled, fix-ups run). This is what the compiler turns into delegates.
/// </summary>
public sealed class ScriptProgram
{
    private readonly Dictionary<(RouteTypes, string), RouteDefinition> _routes;

    internal ScriptProgram(GlobalSettings settings, IReadOnlyList<ModuleDeclaration> modules,
        IReadOnlyList<ModuleParameterValue> moduleParameters, IReadOnlyList<RouteDefinition> routes,
        Dictionary<(RouteTypes, string), RouteDefinition> routeTable,
        IReadOnlyDictionary<string, int> messageFlags, IReadOnlyDictionary<string, int> branchFlags, bool usesForward)
    {
        Settings = settings;
        Modules = modules;
        ModuleParameters = moduleParameters;
        Routes = routes;
        _routes = routeTable;
        MessageFlags = messageFlags;
        BranchFlags = branchFlags;
        UsesForward = usesForward;
    }

    public GlobalSettings Settings { get; }

    /// <summary>
    /// AVP names a module reads or writes although the script may never name them (dispatcher's failover AVPs):
    /// the compiler gives each a slot so <see cref="Runtime.CompiledScript.AvpSlot"/> finds it.
    /// </summary>
    public List<string> ModuleAvps { get; } = [];

    /// <summary>Modules named by <c>loadmodule</c> (core not included), in load order.</summary>
    public IReadOnlyList<ModuleDeclaration> Modules { get; }

    public IReadOnlyList<ModuleParameterValue> ModuleParameters { get; }

    /// <summary>All route blocks in source order.</summary>
    public IReadOnlyList<RouteDefinition> Routes { get; }

    /// <summary>Named message flags → bit index (0..31), in order of first use.</summary>
    public IReadOnlyDictionary<string, int> MessageFlags { get; }

    /// <summary>Named branch flags → bit index (0..31).</summary>
    public IReadOnlyDictionary<string, int> BranchFlags { get; }

    /// <summary>The script calls forward() somewhere: stateless reply forwarding is on (unless disable_stateless_fwd says otherwise).</summary>
    public bool UsesForward { get; }

    /// <summary>The main <c>route{}</c> block (requests).</summary>
    public RouteDefinition? MainRoute => FindRoute(RouteTypes.Request, string.Empty);

    /// <summary>The main <c>onreply_route{}</c> block (every reply).</summary>
    public RouteDefinition? MainReplyRoute => FindRoute(RouteTypes.OnReply, string.Empty);

    public RouteDefinition? ErrorRoute => FindRoute(RouteTypes.Error, string.Empty);

    /// <summary>Finds a block by kind and name (empty name: the main block of that kind).</summary>
    public RouteDefinition? FindRoute(RouteTypes kind, string name) =>
        _routes.TryGetValue((kind, name), out var route) ? route : null;

    public bool IsModuleLoaded(string name)
    {
        foreach (var m in Modules)
        {
            if (m.Name == name)
                return true;
        }

        return false;
    }

    /// <summary>The value set by modparam, else the parameter's default; null if the module is unknown or not loaded.</summary>
    public object? GetModuleParameter(string module, string parameter)
    {
        for (int i = ModuleParameters.Count - 1; i >= 0; i--)
        {
            var p = ModuleParameters[i];
            if (p.Module.Name == module && p.Parameter.Name == parameter)
                return p.Value;
        }

        foreach (var m in Modules)
        {
            if (m.Name == module)
                return m.FindParameter(parameter)?.DefaultValue;
        }

        return null;
    }
}
