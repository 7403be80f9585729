namespace Hyperproxy.Location.CrashVictim;

/// <summary>Prints one "ACK i" line per released (committed) registration.</summary>
internal struct AckPrinter : IPendingAckHandler<int>
{
    private readonly TextWriter _output;

    public AckPrinter(TextWriter output) => _output = output;

    public readonly bool Release(ReadOnlySpan<byte> reply, in int meta)
    {
        _output.WriteLine("ACK " + meta);
        return true;
    }
}
