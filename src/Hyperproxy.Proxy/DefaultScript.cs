using Hyperproxy.Modules;
using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Proxy;

/// <summary>The built-in default script, loaded and compiled once per process.</summary>
public static class DefaultScript
{
    private static readonly Lazy<CompiledScript> s_compiled = new(Compile);

    public static CompiledScript Compiled => s_compiled.Value;

    private static CompiledScript Compile() =>
        new ModuleCatalog().TryLoadDefault(out var errors)
        ?? throw new InvalidOperationException("the built-in default script does not load: " + string.Join(Environment.NewLine, errors));
}
