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

    /// <summary>
    /// The built-in declarations: core, sl, signaling, maxfwd, sipmsgops, plus placeholders
    /// (known names, their modparams, no functions yet) for rr, path, registrar, usrloc, tm,
    /// and the transport/management modules a stock config loads.
    /// </summary>
    public static FunctionRegistry CreateDefault()
    {
        var registry = new FunctionRegistry();
        BuiltinModules.RegisterAll(registry);
        return registry;
    }

    public IEnumerable<ModuleDeclaration> Modules => _modules.Values;

    /// <summary>
    /// Adds a module and its functions. A placeholder of the same name is replaced; any other
    /// clash (module or function name) throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public void RegisterModule(ModuleDeclaration module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (_modules.TryGetValue(module.Name, out var existing))
        {
            if (!existing.IsPlaceholder)
                throw new InvalidOperationException($"module '{module.Name}' is already registered");
            foreach (var f in existing.Functions)
                _functions.Remove(f.Name);
        }

        foreach (var f in module.Functions)
        {
            if (_functions.TryGetValue(f.Name, out var other))
                throw new InvalidOperationException($"function '{f.Name}' of module '{module.Name}' is already exported by module '{other.Module}'");
        }

        _modules[module.Name] = module;
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
