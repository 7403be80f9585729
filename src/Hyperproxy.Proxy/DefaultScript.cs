using Hyperproxy.Script;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Proxy;

/// <summary>The built-in default script, loaded and compiled once per process.</summary>
public static class DefaultScript
{
    private static readonly Lazy<CompiledScript> s_compiled = new(Compile);

    public static CompiledScript Compiled => s_compiled.Value;

    private static CompiledScript Compile()
    {
        ScriptLoadResult result = ScriptLoader.LoadDefault(FunctionRegistry.CreateDefault(), PseudoVariableRegistry.CreateDefault());
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("the built-in default script does not load: " + result.FormatDiagnostics());
        }

        return ScriptCompiler.Compile(result.Program!);
    }
}
