namespace Hyperproxy.Script.Syntax;

/// <summary>A parsed script (all included files merged, in source order).</summary>
public sealed class ScriptSyntax
{
    public List<GlobalParameterSyntax> Globals { get; } = new();

    public List<LoadModuleSyntax> LoadModules { get; } = new();

    public List<ModParamSyntax> ModParams { get; } = new();

    public List<RouteDefinition> Routes { get; } = new();
}
