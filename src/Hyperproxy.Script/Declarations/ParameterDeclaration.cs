namespace Hyperproxy.Script.Declarations;

/// <summary>One parameter of a script function.</summary>
public sealed class ParameterDeclaration
{
    public ParameterDeclaration(string name, ParameterKind kind, ParameterFixup? fixup = null, RouteTypes routeKind = RouteTypes.Request)
    {
        Name = name;
        Kind = kind;
        Fixup = fixup;
        RouteKind = routeKind;
    }

    public string Name { get; }

    public ParameterKind Kind { get; }

    /// <summary>Start-up check/conversion of a constant argument; null for none.</summary>
    public ParameterFixup? Fixup { get; }

    /// <summary>For <see cref="ParameterKind.RouteName"/>: which kind of block the name refers to.</summary>
    public RouteTypes RouteKind { get; }
}
