namespace Hyperproxy.Script.Declarations;

/// <summary>
/// What a module exports to the script: functions and <c>modparam</c> parameters.
/// A <see cref="IsPlaceholder"/> module is known by name (so <c>loadmodule</c> and its
/// modparams work) but provides no functions yet; registering the real module replaces it.
/// </summary>
public sealed class ModuleDeclaration
{
    public ModuleDeclaration(string name, IReadOnlyList<FunctionDeclaration> functions,
        IReadOnlyList<ModuleParameterDeclaration> parameters, bool isPlaceholder = false)
    {
        Name = name;
        Functions = functions;
        Parameters = parameters;
        IsPlaceholder = isPlaceholder;
    }

    /// <summary>The OpenSIPS name (<c>sl</c>, <c>maxfwd</c>); <c>core</c> for the core.</summary>
    public string Name { get; }

    public IReadOnlyList<FunctionDeclaration> Functions { get; }

    public IReadOnlyList<ModuleParameterDeclaration> Parameters { get; }

    public bool IsPlaceholder { get; }

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
