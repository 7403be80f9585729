using System.Numerics;
using System.Runtime.CompilerServices;

namespace Hyperproxy.Proxy.Metrics;

/// <summary>
/// Latency in nanoseconds, per worker, in fixed log-linear buckets with two significant decimal digits
/// (HdrHistogram's idea, decimal so that Prometheus's usual bounds — 10 µs, 25 µs, 1 ms, 2.5 s — are bucket
/// edges): 0..10 ns one bucket per nanosecond, then every decade [10^d, 10^(d+1)) in 90 equal buckets
/// (10, 11, ..., 99 × 10^(d-1)), up to 100 s; beyond that one overflow bucket. A bucket holds the values in
/// (lower, upper], so "≤ le" is exact at every edge, and the worst error of a percentile is one bucket: under 10%.
/// <para>
/// Each worker writes only its own row (plain adds: no lock, no interlocked instruction, no allocation); rows are
/// padded by a whole cache line so two workers never write one line. Readers sum the rows (<see cref="Read"/>);
/// a read taken while a worker records may miss its last few values, never sees a count go down.
/// </para>
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>Values 0..9 ns have one bucket each; decades 10^1 .. 10^10 ns have 90 each; then overflow (&gt; 100 s).</summary>
    public const int Decades = 10;

    public const int BucketCount = 10 + Decades * 90 + 1;

    private const int OverflowBucket = BucketCount - 1;
    private const int SumCell = BucketCount; // nanoseconds recorded, after the buckets
    private const int LongsPerLine = 8;
    private static readonly int s_stride = ((SumCell + 1 + LongsPerLine - 1) / LongsPerLine * LongsPerLine) + LongsPerLine;
    private static readonly long[] s_pow10 = Powers();

    private readonly long[] _cells;

    public LatencyHistogram(string name, int workers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        Name = name;
        Workers = workers;
        // A cache line before the first row (the array's header shares a line with whatever precedes it).
        _cells = new long[LongsPerLine + (workers * s_stride)];
    }

    /// <summary>The metric's name without prefix or unit (<c>request_latency</c>).</summary>
    public string Name { get; }

    public int Workers { get; }

    /// <summary>Records one value of <paramref name="nanoseconds"/> (negative counts as 0) in <paramref name="worker"/>'s row; call only from that worker.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(int worker, long nanoseconds)
    {
        if (nanoseconds < 0)
        {
            nanoseconds = 0;
        }

        int row = LongsPerLine + (worker * s_stride);
        long[] cells = _cells;
        cells[row + BucketOf(nanoseconds)]++;
        cells[row + SumCell] += nanoseconds;
    }

    /// <summary>The bucket of a value: (lower, upper] with <see cref="UpperBound"/> the upper edge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BucketOf(long nanoseconds)
    {
        if (nanoseconds <= 10)
        {
            return nanoseconds <= 0 ? 0 : (int)nanoseconds - 1;
        }

        // (lower, upper]: place v - 1 in [lower, upper).
        ulong v = (ulong)nanoseconds - 1;
        int d = (BitOperations.Log2(v) * 1233) >> 12; // floor(log10) or one less
        if (d + 1 < s_pow10.Length && v >= (ulong)s_pow10[d + 1])
        {
            d++;
        }

        if (d > Decades)
        {
            return OverflowBucket;
        }

        // d ≥ 1 here (v ≥ 10); the two significant digits select one of 90 buckets.
        int sub = (int)(v / (ulong)s_pow10[d - 1]);
        return 10 + ((d - 1) * 90) + (sub - 10);
    }

    /// <summary>The largest value (ns) bucket <paramref name="bucket"/> holds; <see cref="long.MaxValue"/> for the overflow bucket.</summary>
    public static long UpperBound(int bucket)
    {
        if (bucket < 10)
        {
            return bucket + 1;
        }

        if (bucket >= OverflowBucket)
        {
            return long.MaxValue;
        }

        int d = ((bucket - 10) / 90) + 1;
        int sub = ((bucket - 10) % 90) + 10;
        return (sub + 1) * s_pow10[d - 1];
    }

    /// <summary>The sum over every worker (or one, <paramref name="worker"/> ≥ 0): bucket counts into <paramref name="buckets"/>
    /// (<see cref="BucketCount"/> long), the count and sum of nanoseconds returned.</summary>
    public (long Count, long SumNanoseconds) Read(Span<long> buckets, int worker = -1)
    {
        if (buckets.Length < BucketCount)
        {
            throw new ArgumentException($"needs {BucketCount} buckets", nameof(buckets));
        }

        buckets[..BucketCount].Clear();
        long count = 0, sum = 0;
        int from = worker < 0 ? 0 : worker, to = worker < 0 ? Workers : worker + 1;
        for (int w = from; w < to; w++)
        {
            int row = LongsPerLine + (w * s_stride);
            for (int b = 0; b < BucketCount; b++)
            {
                long n = Volatile.Read(ref _cells[row + b]);
                buckets[b] += n;
                count += n;
            }

            sum += Volatile.Read(ref _cells[row + SumCell]);
        }

        return (count, sum);
    }

    /// <summary>
    /// The value at quantile <paramref name="q"/> (0..1] of <paramref name="buckets"/> holding <paramref name="count"/>
    /// values: the upper edge of the bucket where the ⌈q·count⌉-th value lies (HdrHistogram's "highest equivalent
    /// value"); 0 when empty.
    /// </summary>
    public static long Percentile(ReadOnlySpan<long> buckets, long count, double q)
    {
        if (count <= 0)
        {
            return 0;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(q * count));
        long seen = 0;
        for (int b = 0; b < BucketCount; b++)
        {
            seen += buckets[b];
            if (seen >= rank)
            {
                return UpperBound(b);
            }
        }

        return UpperBound(OverflowBucket - 1);
    }

    private static long[] Powers()
    {
        var p = new long[Decades + 2];
        p[0] = 1;
        for (int i = 1; i < p.Length; i++)
        {
            p[i] = p[i - 1] * 10;
        }

        return p;
    }
}
