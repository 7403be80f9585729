namespace Hyperproxy.Script.Declarations;

/// <summary>A pseudo-variable class: <c>ru</c>, <c>hdr</c> (takes a name), <c>var</c> (writable) ...</summary>
public sealed class PseudoVariableDeclaration
{
    public PseudoVariableDeclaration(string name, PseudoVariableArgument argument, bool writable,
        RouteTypes allowedRoutes = RouteTypes.All, bool indexable = false)
    {
        Name = name;
        Argument = argument;
        Writable = writable;
        AllowedRoutes = allowedRoutes;
        Indexable = indexable;
    }

    /// <summary>The canonical name without <c>$</c> (aliases resolve to the same declaration).</summary>
    public string Name { get; }

    public PseudoVariableArgument Argument { get; }

    public bool Readable { get; init; } = true;

    public bool Writable { get; }

    /// <summary>Accepts <c>$(name(arg)[i])</c>.</summary>
    public bool Indexable { get; }

    public RouteTypes AllowedRoutes { get; }

    /// <summary>Start-up check of the argument (<c>ip</c> for <c>$socket_in(...)</c>); returns an error or null.</summary>
    public Func<string, string?>? ValidateArgument { get; init; }

    public override string ToString() => "$" + Name;
}
