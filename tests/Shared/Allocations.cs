namespace Hyperproxy.Testing;

/// <summary>
/// Zero-allocation checks (linked into each test project that makes them). Work that allocates per message
/// allocates in every round; a one-off allocation of the runtime's own (seen once under load: 6 KB in a
/// 100k-message round while other test assemblies filled both cores) does not recur. So the figure is the
/// least the current thread allocated over up to three rounds of <paramref name="round"/>.
/// </summary>
internal static class Allocations
{
    public static long Least(Action round, int rounds = 3)
    {
        long least = long.MaxValue;
        for (int i = 0; i < rounds && least != 0; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            round();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }

    /// <summary>
    /// The same for work whose allocations another thread counts (a worker reports its own figure):
    /// <paramref name="round"/> runs the work and returns the bytes it saw allocated; the least of up to three rounds.
    /// (Not an overload of <see cref="Least"/>: a lambda that returns a value would bind to it.)
    /// </summary>
    public static long LeastReported(Func<long> round, int rounds = 3)
    {
        long least = long.MaxValue;
        for (int i = 0; i < rounds && least != 0; i++)
        {
            least = Math.Min(least, round());
        }

        return least;
    }
}
