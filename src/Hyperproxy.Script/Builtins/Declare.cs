using Hyperproxy.Script.Declarations;

namespace Hyperproxy.Script.Builtins;

/// <summary>Short helpers for writing a module's export table.</summary>
public static class Declare
{
    public static ParameterDeclaration Param(string name, ParameterKind kind, ParameterFixup? fixup = null) => new(name, kind, fixup);

    public static ParameterDeclaration RouteParam(string name, RouteTypes routeKind) => new(name, ParameterKind.RouteName, null, routeKind);

    public static FunctionDeclaration Function(string name, int minArguments, RouteTypes allowedRoutes, params ParameterDeclaration[] parameters) =>
        new(name, minArguments, parameters, allowedRoutes);

    public static ModuleParameterDeclaration Int(string name, int defaultValue) => new(name, ModuleParameterType.Int, defaultValue);

    public static ModuleParameterDeclaration String(string name, string? defaultValue) => new(name, ModuleParameterType.String, defaultValue);
}
