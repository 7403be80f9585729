using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script;

/// <summary>Either a bound program or the errors (sorted by position) that stop start-up.</summary>
public sealed class ScriptLoadResult
{
    internal ScriptLoadResult(ScriptProgram? program, IReadOnlyList<ScriptDiagnostic> diagnostics, IReadOnlyList<ScriptDiagnostic>? warnings = null)
    {
        Program = program;
        Diagnostics = diagnostics;
        Warnings = warnings ?? [];
    }

    /// <summary>The program; null when there were errors.</summary>
    public ScriptProgram? Program { get; }

    public IReadOnlyList<ScriptDiagnostic> Diagnostics { get; }

    /// <summary>What start-up goes on without (a module ignored by <c>--ignore-missing-modules</c>), as <c>file:line:column: message</c>.</summary>
    public IReadOnlyList<ScriptDiagnostic> Warnings { get; }

    public bool Succeeded => Program is not null;

    /// <summary>One <c>file:line:column: message</c> per line.</summary>
    public string FormatDiagnostics() => string.Join(Environment.NewLine, Diagnostics);
}
