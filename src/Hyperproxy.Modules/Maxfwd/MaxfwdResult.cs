namespace Hyperproxy.Modules.Maxfwd;

/// <summary>What <c>mf_process_maxfwd_header</c> returns (OpenSIPS's codes).</summary>
public static class MaxfwdResult
{
    /// <summary>The header was there and is decremented.</summary>
    public const int Decremented = 1;

    /// <summary>There was no header; one with the given value was added.</summary>
    public const int Added = 2;

    /// <summary>The header is 0: the request must not be forwarded (reply 483).</summary>
    public const int Exhausted = -1;

    /// <summary>The header could not be written (bad argument, edits full).</summary>
    public const int Error = -2;
}
