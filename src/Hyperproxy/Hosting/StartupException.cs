namespace Hyperproxy.Hosting;

/// <summary>
/// A start-up failure an operator can act on: the message says what and why, no stack trace.
/// <see cref="IsUsage"/> marks a command-line mistake (a flag's value of the wrong form: exit code 2), as opposed
/// to what the machine, a file or the script refused (exit code 1).
/// </summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner)
{
    public bool IsUsage { get; init; }

    /// <summary>A flag whose value has the wrong form: <c>--flag 'value': why</c>.</summary>
    public static StartupException Usage(string message) => new(message) { IsUsage = true };
}
