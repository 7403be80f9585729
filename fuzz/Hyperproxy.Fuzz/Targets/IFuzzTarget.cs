namespace Hyperproxy.Fuzz.Targets;

/// <summary>
/// One fuzz target: takes any bytes and must return without throwing. The same object is fed input after input
/// (afl-fuzz's persistent mode, the regression tests' corpus replay), so state it keeps between inputs must stay
/// bounded.
/// </summary>
public interface IFuzzTarget : IDisposable
{
    void Run(ReadOnlySpan<byte> input);
}
