using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Modules;

/// <summary>
/// A <c>modparam</c> value the module cannot use, found when the module reads its parameters; the
/// catalog reports it like the script's own errors (<c>file:line:column: message</c>).
/// </summary>
public sealed class ModuleParameterException(ScriptDiagnostic diagnostic) : ArgumentException(diagnostic.ToString())
{
    public ScriptDiagnostic Diagnostic { get; } = diagnostic;

    /// <summary>An error about <paramref name="module"/>'s <paramref name="parameter"/>, at the modparam that set it.</summary>
    public static ModuleParameterException For(ScriptProgram program, string module, string parameter, string message)
    {
        SourceLocation location = default;
        for (int i = program.ModuleParameters.Count - 1; i >= 0; i--)
        {
            ModuleParameterValue p = program.ModuleParameters[i];
            if (p.Module.Name == module && p.Parameter.Name == parameter)
            {
                location = p.Location;
                break;
            }
        }

        return new ModuleParameterException(new ScriptDiagnostic(location, $"modparam {module} {parameter}: {message}"));
    }
}
