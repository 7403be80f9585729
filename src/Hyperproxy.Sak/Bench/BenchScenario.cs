namespace Hyperproxy.Sak.Bench;

/// <summary>What each bench request is.</summary>
public enum BenchScenario
{
    Options,
    Register,

    /// <summary>INVITE / 180 / 200 / ACK / BYE / 200, hypersak playing caller and callee.</summary>
    Call,
}
