namespace Hyperproxy.Script.Runtime;

/// <summary>
/// What a script function returns, as OpenSIPS defines it: greater than zero is true, less than zero
/// false, zero stops the script (like <c>exit</c>). Modules name their other codes next to their
/// functions (<c>LookupResult</c>, <c>MaxfwdResult</c>, ...).
/// </summary>
public static class ScriptResult
{
    /// <summary>Success; <c>if (f())</c> takes the true branch.</summary>
    public const int True = 1;

    /// <summary>The plain failure; <c>if (f())</c> takes the false branch.</summary>
    public const int False = -1;

    /// <summary>Stops the script where the call is (as <c>exit</c> does).</summary>
    public const int Stop = 0;
}
