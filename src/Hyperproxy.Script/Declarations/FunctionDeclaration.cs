namespace Hyperproxy.Script.Declarations;

/// <summary>
/// A script function a module exports (one row of its table, OpenSIPS's <c>cmd_export_t</c>): its name
/// as OpenSIPS spells it, how many arguments it takes, what each accepts and how a constant is fixed up
/// at start-up, the route blocks it may be used in, and its run-time body.
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

    /// <summary>
    /// The run-time body, called directly from the compiled route; null for a declaration without one
    /// (compiling a call to it is a start-up error).
    /// </summary>
    public Runtime.ScriptFunction? Body { get; init; }

    /// <summary>Optional start-up step per call site (a method mask, a header name's id ...); its result is <see cref="Runtime.CallArguments.State"/>.</summary>
    public Func<Runtime.CallArguments, object?>? Prepare { get; init; }

    /// <summary>The exporting module's name (<c>core</c> for core functions); set on registration.</summary>
    public string Module { get; internal set; } = string.Empty;

    /// <summary>
    /// Optional check over all arguments after each was bound (e.g. "the level of xlog must be
    /// a constant"); returns an error message or null. Positions: the call's.
    /// </summary>
    public Func<Syntax.CallExpression, string?>? CallCheck { get; init; }

    public override string ToString() => $"{Module}:{Name}/{MinArguments}..{MaxArguments}";
}
