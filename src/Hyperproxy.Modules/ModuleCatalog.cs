using Hyperproxy.Modules.Path;
using Hyperproxy.Modules.Registrar;
using Hyperproxy.Modules.Rr;
using Hyperproxy.Script;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Modules;

/// <summary>
/// The modules of this assembly, wired into script loading: their declarations replace the
/// placeholders in the function registry, their modparams are read from the loaded program, and
/// their run-time bodies join the built-in ones before the script is compiled. One catalog per
/// loaded script (module instances hold that script's parameters and callbacks).
/// </summary>
public sealed class ModuleCatalog
{
    public ModuleCatalog()
    {
        Rr = new RrModule();
        Path = new PathModule(Rr);
        Registrar = new RegistrarModule();
    }

    public RrModule Rr { get; }

    public PathModule Path { get; }

    public RegistrarModule Registrar { get; }

    /// <summary>The built-in registry with this assembly's modules declared.</summary>
    public FunctionRegistry CreateRegistry()
    {
        FunctionRegistry registry = FunctionRegistry.CreateDefault();
        registry.RegisterModule(RrModule.Declaration());
        registry.RegisterModule(PathModule.Declaration());
        registry.RegisterModule(RegistrarModule.Declaration());
        registry.RegisterModule(RegistrarModule.UsrlocDeclaration());
        return registry;
    }

    /// <summary>
    /// Reads the modparams of <paramref name="program"/> and returns the built-in plus module function bodies;
    /// a value a module cannot use throws <see cref="ModuleParameterException"/>.
    /// </summary>
    public FunctionImplementations CreateImplementations(ScriptProgram program)
    {
        Rr.Configure(program);
        Path.Configure(program);
        Registrar.Configure(program);
        FunctionImplementations functions = FunctionImplementations.CreateDefault();
        Rr.RegisterFunctions(functions);
        Path.RegisterFunctions(functions);
        Registrar.RegisterFunctions(functions);
        return functions;
    }

    /// <summary>Loads (file or text) and compiles a script with these modules; null with every error otherwise.</summary>
    public CompiledScript? TryBuild(ScriptLoadResult load, out IReadOnlyList<ScriptDiagnostic> errors)
    {
        if (!load.Succeeded)
        {
            errors = load.Diagnostics;
            return null;
        }

        FunctionImplementations functions;
        try
        {
            functions = CreateImplementations(load.Program!);
        }
        catch (ModuleParameterException e)
        {
            errors = [e.Diagnostic];
            return null;
        }

        ScriptCompiler.TryCompile(load.Program!, functions, out CompiledScript? script, out errors);
        if (script is not null)
        {
            Registrar.Bind(script);
        }

        return script;
    }

    /// <summary>Loads a script file with these modules and compiles it.</summary>
    public CompiledScript? TryLoadFile(string path, out IReadOnlyList<ScriptDiagnostic> errors) =>
        TryBuild(ScriptLoader.Load(path, CreateRegistry(), PseudoVariableRegistry.CreateDefault()), out errors);

    /// <summary>Loads script text with these modules and compiles it.</summary>
    public CompiledScript? TryLoadText(string text, string fileName, out IReadOnlyList<ScriptDiagnostic> errors) =>
        TryBuild(ScriptLoader.LoadFromText(text, fileName, CreateRegistry(), PseudoVariableRegistry.CreateDefault()), out errors);

    /// <summary>Script text to a compiled script; throws <see cref="InvalidOperationException"/> listing the errors (tests, tools).</summary>
    public CompiledScript CompileText(string text, string fileName = "script.cfg") =>
        TryLoadText(text, fileName, out var errors) ?? throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
}
