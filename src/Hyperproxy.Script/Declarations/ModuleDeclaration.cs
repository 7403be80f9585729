namespace Hyperproxy.Script.Declarations;

/// <summary>
/// A module's export table (OpenSIPS's <c>module_exports</c>): its functions and its <c>modparam</c>
/// parameters, the one place either is declared. Binding, configuration and <c>hyperproxy modules</c>
/// all read it.
/// </summary>
public sealed class ModuleDeclaration
{
    public ModuleDeclaration(string name, IReadOnlyList<FunctionDeclaration> functions,
        IReadOnlyList<ModuleParameterDeclaration> parameters)
    {
        Name = name;
        Functions = functions;
        Parameters = parameters;
    }

    /// <summary>The OpenSIPS name (<c>sl</c>, <c>maxfwd</c>); <c>core</c> for the core.</summary>
    public string Name { get; }

    public IReadOnlyList<FunctionDeclaration> Functions { get; }

    public IReadOnlyList<ModuleParameterDeclaration> Parameters { get; }

    /// <summary>Pseudo-variables the module exports (rr's <c>$rr_params</c>); registered with its functions.</summary>
    public IReadOnlyList<PseudoVariableDeclaration> PseudoVariables { get; init; } = [];

    /// <summary>
    /// The module's statistics (OpenSIPS's <c>mod_stats</c>), registered under the module's name when the
    /// script loads the module (docs/statistics.md). The list is read at start-up after the modparams were
    /// stored, so a parameter may add rows to it (the statistics module's <c>variable</c>).
    /// </summary>
    public IReadOnlyList<Statistics.Statistic> Statistics { get; init; } = [];

    /// <summary>The module's management-interface commands (OpenSIPS's <c>mi_cmds</c>), served when the module is loaded (docs/management.md).</summary>
    public IReadOnlyList<Management.MiCommand> MiCommands { get; init; } = [];

    /// <summary>Older names <c>loadmodule</c>/<c>modparam</c> accept for this module (tracer's <c>siptrace</c>).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>
    /// Runs once after every parameter was stored (OpenSIPS's <c>mod_init</c>): settings that depend on
    /// each other, callbacks into other modules. Returns null or why start-up must stop.
    /// </summary>
    public Func<string?>? Init { get; init; }

    public ModuleParameterDeclaration? FindParameter(string name)
    {
        foreach (var p in Parameters)
        {
            if (string.Equals(p.Name, name, StringComparison.Ordinal))
                return p;
        }

        return null;
    }
}
