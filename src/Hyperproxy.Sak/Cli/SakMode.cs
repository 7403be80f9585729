namespace Hyperproxy.Sak.Cli;

/// <summary>What hypersak does in this run (SIPSAK's modes plus the load generator).</summary>
public enum SakMode
{
    Ping,
    Traceroute,
    Message,
    Invite,
    Usrloc,
    RandTrash,
    Flood,
    Help,
    Version,
}
