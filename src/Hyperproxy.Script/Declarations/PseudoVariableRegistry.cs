using Hyperproxy.Script.Builtins;

namespace Hyperproxy.Script.Declarations;

/// <summary>
/// Known pseudo-variable classes (with aliases such as <c>ruri</c> → <c>ru</c>) and
/// transformations. Modules add theirs at start-up (e.g. rr's <c>$rr_params</c>).
/// </summary>
public sealed class PseudoVariableRegistry
{
    private readonly Dictionary<string, PseudoVariableDeclaration> _variables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TransformationDeclaration> _transformations = new(StringComparer.Ordinal);

    /// <summary>The core variables of the list and the core transformations.</summary>
    public static PseudoVariableRegistry CreateDefault()
    {
        var registry = new PseudoVariableRegistry();
        CorePseudoVariables.RegisterAll(registry);
        return registry;
    }

    public IEnumerable<PseudoVariableDeclaration> Variables => _variables.Values;

    /// <summary>Adds a variable under its name and any aliases; a taken name throws.</summary>
    public PseudoVariableDeclaration Register(PseudoVariableDeclaration variable, params string[] aliases)
    {
        Add(variable.Name, variable);
        foreach (string alias in aliases)
            Add(alias, variable);
        return variable;
    }

    public bool TryGet(string name, out PseudoVariableDeclaration variable)
    {
        return _variables.TryGetValue(name, out variable!);
    }

    public void RegisterTransformation(TransformationDeclaration transformation)
    {
        if (!_transformations.TryAdd(transformation.Name, transformation))
            throw new InvalidOperationException($"transformation '{transformation.Name}' is already registered");
    }

    public bool TryGetTransformation(string name, out TransformationDeclaration transformation)
    {
        return _transformations.TryGetValue(name, out transformation!);
    }

    private void Add(string name, PseudoVariableDeclaration variable)
    {
        if (!_variables.TryAdd(name, variable))
            throw new InvalidOperationException($"pseudo-variable '${name}' is already registered");
    }
}
