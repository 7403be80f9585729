using Hyperproxy.Script.Builtins;

namespace Hyperproxy.Script.Declarations;

/// <summary>
/// The seam modules plug into: every module (core included) registers its functions and
/// <c>modparam</c> parameters here before a script is loaded. Not thread-safe; fill it at
/// start-up, then only read.
/// </summary>
public sealed class FunctionRegistry
{
    /// <summary>Name of the always-loaded core "module".</summary>
    public const string CoreModuleName = "core";

    private readonly Dictionary<string, ModuleDeclaration> _modules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FunctionDeclaration> _functions = new(StringComparer.Ordinal);

    /// <summary>The core functions only; the modules (Hyperproxy.Modules) register their own tables.</summary>
    public static FunctionRegistry CreateDefault()
    {
        var registry = new FunctionRegistry();
        registry.RegisterModule(CoreModule.Create());
        return registry;
    }

    public IEnumerable<ModuleDeclaration> Modules => _modules.Values;

    /// <summary>
    /// What <c>loadmodule</c> of a module that is not registered does: false (the default) stops start-up
    /// naming the module and the ones that are built in; true (<c>--ignore-missing-modules</c>) warns once
    /// per module and skips its modparams, so a call of one of its functions is still "unknown function".
    /// </summary>
    public bool IgnoreMissingModules { get; set; }

    /// <summary>The registered module names except core, sorted (for "built in: ..." messages).</summary>
    public string BuiltInModuleNames()
    {
        var names = new List<string>();
        foreach (string name in _modules.Keys)
        {
            if (name != CoreModuleName)
                names.Add(name);
        }

        names.Sort(StringComparer.Ordinal);
        return string.Join(", ", names);
    }

    /// <summary>Adds a module and its functions; a clash (module or function name) throws <see cref="InvalidOperationException"/>.</summary>
    public void RegisterModule(ModuleDeclaration module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (_modules.ContainsKey(module.Name))
            throw new InvalidOperationException($"module '{module.Name}' is already registered");

        foreach (var f in module.Functions)
        {
            if (_functions.TryGetValue(f.Name, out var other))
                throw new InvalidOperationException($"function '{f.Name}' of module '{module.Name}' is already exported by module '{other.Module}'");
        }

        _modules[module.Name] = module;
        foreach (string alias in module.Aliases)
        {
            if (!_modules.TryAdd(alias, module))
                throw new InvalidOperationException($"module alias '{alias}' of '{module.Name}' is already registered");
        }

        foreach (var f in module.Functions)
        {
            f.Module = module.Name;
            _functions.Add(f.Name, f);
        }
    }

    public bool TryGetFunction(string name, out FunctionDeclaration function)
    {
        return _functions.TryGetValue(name, out function!);
    }

    public bool TryGetModule(string name, out ModuleDeclaration module)
    {
        return _modules.TryGetValue(name, out module!);
    }
}
