namespace Hyperproxy.Script.Declarations;

/// <summary>
/// A script function a module exports: its name as OpenSIPS spells it, how many arguments
/// it takes, what each accepts, and the route blocks it may be used in.
/// </summary>
public sealed class FunctionDeclaration
{
    public FunctionDeclaration(string name, int minArguments, IReadOnlyList<ParameterDeclaration> parameters, RouteTypes allowedRoutes)
    {
        if (minArguments < 0 || minArguments > parameters.Count)
            throw new ArgumentOutOfRangeException(nameof(minArguments));
        Name = name;
        MinArguments = minArguments;
        Parameters = parameters;
        AllowedRoutes = allowedRoutes;
    }

    public string Name { get; }

    public int MinArguments { get; }

    public int MaxArguments => Parameters.Count;

    public IReadOnlyList<ParameterDeclaration> Parameters { get; }

    public RouteTypes AllowedRoutes { get; }

    /// <summary>The exporting module's name (<c>core</c> for core functions); set on registration.</summary>
    public string Module { get; internal set; } = string.Empty;

    /// <summary>
    /// Optional check over all arguments after each was bound (e.g. "the level of xlog must be
    /// a constant"); returns an error message or null. Positions: the call's.
    /// </summary>
    public Func<Syntax.CallExpression, string?>? CallCheck { get; init; }

    public override string ToString() => $"{Module}:{Name}/{MinArguments}..{MaxArguments}";
}
