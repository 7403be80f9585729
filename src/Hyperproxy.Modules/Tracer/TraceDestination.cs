namespace Hyperproxy.Modules.Tracer;

/// <summary>One trace_id: its name and where its messages go (a proto_hep hep_id, a text file, or a pcap file).</summary>
public sealed record TraceDestination(string Name, string? HepId, string? File, string? Pcap = null);
