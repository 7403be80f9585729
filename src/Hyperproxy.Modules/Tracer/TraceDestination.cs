namespace Hyperproxy.Modules.Tracer;

/// <summary>One trace_id: its name and where its messages go (a proto_hep hep_id, or a text file).</summary>
public sealed record TraceDestination(string Name, string? HepId, string? File);
