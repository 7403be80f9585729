namespace Hyperproxy.Script.Declarations;

/// <summary>The outcome of a start-up fix-up of a constant argument.</summary>
public readonly struct FixupResult
{
    private FixupResult(object? value, string? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>What the runtime gets instead of re-parsing the constant per message.</summary>
    public object? Value { get; }

    /// <summary>Why the constant was rejected; null on success.</summary>
    public string? Error { get; }

    public bool IsError => Error is not null;

    public static FixupResult Ok(object? value) => new(value, null);

    public static FixupResult Fail(string error) => new(null, error);
}
