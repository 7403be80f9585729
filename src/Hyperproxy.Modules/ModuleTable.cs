using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;

namespace Hyperproxy.Modules;

/// <summary>
/// Configuration derived from a module's export table: every parameter row's value (the script's
/// modparam, else the row's default) goes where the row stores it, then the module's init runs.
/// </summary>
public static class ModuleTable
{
    /// <summary>Stores every default (a module's settings before a script configures it).</summary>
    public static void ApplyDefaults(ModuleDeclaration module)
    {
        foreach (ModuleParameterDeclaration p in module.Parameters)
        {
            if (!p.Repeatable && p.Store?.Invoke(p.DefaultValue) is { } why)
            {
                throw new InvalidOperationException($"module {module.Name}: the default of {p.Name} is refused by its own table: {why}");
            }
        }
    }

    /// <summary>
    /// Stores the values of <paramref name="program"/>'s modparams (defaults for the rest) and runs init;
    /// a value the module refuses throws <see cref="ModuleParameterException"/> at the modparam's position.
    /// </summary>
    public static void Configure(ModuleDeclaration module, ScriptProgram program)
    {
        foreach (ModuleParameterDeclaration p in module.Parameters)
        {
            if (p.Repeatable)
            {
                foreach (ModuleParameterValue set in program.ModuleParameters)
                {
                    if (set.Module.Name == module.Name && set.Parameter.Name == p.Name && p.Store?.Invoke(set.Value) is { } refused)
                        throw ModuleParameterException.For(program, module.Name, p.Name, refused);
                }

                continue;
            }

            object? value = program.GetModuleParameter(module.Name, p.Name) ?? p.DefaultValue;
            if (p.Store?.Invoke(value) is { } why)
            {
                throw ModuleParameterException.For(program, module.Name, p.Name, why);
            }
        }

        if (module.Init?.Invoke() is { } error)
        {
            throw new ModuleParameterException(new Script.Text.ScriptDiagnostic(LoadLocation(program, module.Name), $"module {module.Name}: {error}"));
        }
    }

    private static Script.Text.SourceLocation LoadLocation(ScriptProgram program, string module)
    {
        foreach (ModuleParameterValue p in program.ModuleParameters)
        {
            if (p.Module.Name == module)
            {
                return p.Location;
            }
        }

        return default;
    }
}
