namespace Hyperproxy.Sak.Bench;

/// <summary>The transaction of a bench call a response belongs to (from its Via branch).</summary>
public enum CallLeg
{
    None,
    Invite,
    Ack,
    Bye,
}
