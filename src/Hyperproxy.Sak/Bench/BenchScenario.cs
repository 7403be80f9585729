namespace Hyperproxy.Sak.Bench;

/// <summary>What each bench request is.</summary>
public enum BenchScenario
{
    Options,
    Register,
}
