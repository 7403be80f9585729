namespace Hyperproxy.Sak;

/// <summary>
/// An error the operator can act on (bad flag, bad URI, unresolvable name, socket failure).
/// Reported as one line on stderr with <see cref="ExitCode"/>; never a stack trace.
/// </summary>
public sealed class SakException : Exception
{
    public SakException(string message, int exitCode = ExitCodes.LocalError)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }
}
