namespace Hyperproxy.Modules.Pike;

/// <summary>One worker's pike counters (written by that worker only).</summary>
public sealed class PikeCounters
{
    /// <summary>Sources detected as flooding (pike_check_req returned -2).</summary>
    public long Blocked;

    /// <summary>Requests of a source already blocked (pike_check_req returned -1).</summary>
    public long Refused;
}
