namespace Hyperproxy.Fuzz.Targets;

/// <summary>The targets by name: <c>parser</c>, <c>pipeline</c>, <c>stream</c>, <c>digest</c>.</summary>
public static class FuzzTargets
{
    public static readonly string[] Names = ["parser", "pipeline", "stream", "digest"];

    /// <summary>The assemblies afl-fuzz sees coverage of for each target (the ones SharpFuzz instruments).</summary>
    public static string[] InstrumentedAssemblies(string name) => name switch
    {
        "parser" => ["Hyperproxy.Sip"],
        "stream" => ["Hyperproxy.Sip", "Hyperproxy.Transport"],
        "digest" => ["Hyperproxy.Sip", "Hyperproxy.Modules"],
        "pipeline" => ["Hyperproxy.Sip", "Hyperproxy.Script", "Hyperproxy.Modules", "Hyperproxy.Proxy"],
        _ => throw new ArgumentException($"unknown fuzz target '{name}' (one of {string.Join(", ", Names)})", nameof(name)),
    };

    public static IFuzzTarget Create(string name) => name switch
    {
        "parser" => new ParserTarget(),
        "stream" => new StreamTarget(),
        "digest" => new DigestTarget(),
        "pipeline" => new PipelineTarget(),
        _ => throw new ArgumentException($"unknown fuzz target '{name}' (one of {string.Join(", ", Names)})", nameof(name)),
    };
}
