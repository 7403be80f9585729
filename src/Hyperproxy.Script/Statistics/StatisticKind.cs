namespace Hyperproxy.Script.Statistics;

/// <summary>How a statistic behaves, as OpenSIPS's <c>list_statistics</c> names it.</summary>
public enum StatisticKind
{
    /// <summary>"incremental": counts up from 0 at start-up; <c>reset_statistics</c> sets it back to 0.</summary>
    Counter,

    /// <summary>"non-incremental": a level computed when read (memory, contacts, busy %); resets leave it alone.</summary>
    Gauge,
}
