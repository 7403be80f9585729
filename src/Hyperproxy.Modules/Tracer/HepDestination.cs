namespace Hyperproxy.Modules.Tracer;

/// <summary>One proto_hep hep_id: <c>[name] host:port; transport=udp; version=3</c>.</summary>
public sealed record HepDestination(string Name, string Host, int Port);
