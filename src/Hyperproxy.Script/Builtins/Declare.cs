using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Script.Builtins;

/// <summary>Short helpers for writing a module's export table.</summary>
public static class Declare
{
    public static ParameterDeclaration Param(string name, ParameterKind kind, ParameterFixup? fixup = null) => new(name, kind, fixup);

    public static ParameterDeclaration RouteParam(string name, RouteTypes routeKind) => new(name, ParameterKind.RouteName, null, routeKind);

    /// <summary>A function without a body (tests of the binder); a module's row names its body.</summary>
    public static FunctionDeclaration Function(string name, int minArguments, RouteTypes allowedRoutes, params ParameterDeclaration[] parameters) =>
        new(name, minArguments, parameters, allowedRoutes);

    /// <summary>One function row: name, arities (<paramref name="minArguments"/> to the parameter count), route types, body, parameters.</summary>
    public static FunctionDeclaration Function(string name, int minArguments, RouteTypes allowedRoutes, ScriptFunction body,
        params ParameterDeclaration[] parameters) =>
        new(name, minArguments, parameters, allowedRoutes) { Body = body };

    /// <summary>As <see cref="Function(string, int, RouteTypes, ScriptFunction, ParameterDeclaration[])"/>, with a start-up step per call site.</summary>
    public static FunctionDeclaration Function(string name, int minArguments, RouteTypes allowedRoutes, ScriptFunction body,
        Func<CallArguments, object?> prepare, params ParameterDeclaration[] parameters) =>
        new(name, minArguments, parameters, allowedRoutes) { Body = body, Prepare = prepare };

    /// <summary>An integer modparam stored by <paramref name="store"/>; <paramref name="refuse"/> says why a value cannot be honoured (or null).</summary>
    public static ModuleParameterDeclaration Int(string name, int defaultValue, Action<int> store, Func<int, string?>? refuse = null) =>
        new(name, ModuleParameterType.Int, defaultValue, v =>
        {
            int value = (int)v!;
            if (refuse?.Invoke(value) is { } why)
                return why;
            store(value);
            return null;
        });

    /// <summary>A string modparam (null when not set and without default) stored by <paramref name="store"/>.</summary>
    public static ModuleParameterDeclaration String(string name, string? defaultValue, Action<string?> store, Func<string?, string?>? refuse = null) =>
        new(name, ModuleParameterType.String, defaultValue, v =>
        {
            string? value = (string?)v;
            if (refuse?.Invoke(value) is { } why)
                return why;
            store(value);
            return null;
        });

    /// <summary>A modparam whose only honoured value is its default (what Hyperproxy does); any other is refused with <paramref name="why"/>.</summary>
    public static ModuleParameterDeclaration OnlyDefault(string name, int defaultValue, string why) =>
        Int(name, defaultValue, _ => { }, v => v == defaultValue ? null : why);

    /// <summary>A string modparam Hyperproxy cannot honour with any value; setting it is refused with <paramref name="why"/>.</summary>
    public static ModuleParameterDeclaration Unsupported(string name, string? defaultValue, string why) =>
        String(name, defaultValue, _ => { }, v => v == defaultValue ? null : why);
}
