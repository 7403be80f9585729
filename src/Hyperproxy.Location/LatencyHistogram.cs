using System.Diagnostics;
using System.Numerics;

namespace Hyperproxy.Location;

/// <summary>
/// A latency histogram in microseconds with one writer and any number of readers: log-linear buckets
/// (exact below 64 µs, then 32 buckets per power of two, so a percentile is within about 3%), from 0 to
/// about 67 s (larger values land in the last bucket). <see cref="Record"/> is a few instructions and
/// allocates nothing; readers add histograms together (<see cref="AddTo"/>) and read percentiles from the
/// sum. Reads race with the writer only by a count or two, which a percentile does not notice.
/// </summary>
public sealed class LatencyHistogram
{
    private const int LinearBuckets = 64;
    private const int SubBucketBits = 5;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int MaxLog2 = 26;
    public const int BucketCount = LinearBuckets + (MaxLog2 - 6 + 1) * SubBuckets;

    private readonly long[] _counts = new long[BucketCount];
    private long _max;

    /// <summary>Records one duration given as <see cref="Stopwatch"/> ticks.</summary>
    public void RecordTicks(long ticks) => Record(ticks <= 0 ? 0 : ticks * 1_000_000 / Stopwatch.Frequency);

    /// <summary>Records one duration in microseconds.</summary>
    public void Record(long microseconds)
    {
        if (microseconds < 0)
            microseconds = 0;
        _counts[Index(microseconds)]++;
        if (microseconds > _max)
            Volatile.Write(ref _max, microseconds);
    }

    /// <summary>Values recorded so far.</summary>
    public long Count
    {
        get
        {
            long total = 0;
            long[] counts = _counts;
            for (int i = 0; i < counts.Length; i++)
                total += Volatile.Read(ref counts[i]);
            return total;
        }
    }

    /// <summary>The largest value recorded, in microseconds.</summary>
    public long Max => Volatile.Read(ref _max);

    /// <summary>Adds this histogram's counts to <paramref name="sum"/> (a reader's scratch copy).</summary>
    public void AddTo(LatencyHistogram sum)
    {
        for (int i = 0; i < _counts.Length; i++)
            sum._counts[i] += Volatile.Read(ref _counts[i]);
        long max = Max;
        if (max > sum._max)
            sum._max = max;
    }

    /// <summary>The value at or below which <paramref name="percentile"/>% of the values lie (the upper
    /// edge of its bucket, capped at <see cref="Max"/>); 0 when nothing was recorded.</summary>
    public long Percentile(double percentile)
    {
        long total = Count;
        if (total == 0)
            return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(total * Math.Clamp(percentile, 0, 100) / 100.0));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank)
                return Math.Min(UpperBound(i), Max);
        }
        return Max;
    }

    internal static int Index(long microseconds)
    {
        if (microseconds < LinearBuckets)
            return (int)microseconds;
        int log = 63 - BitOperations.LeadingZeroCount((ulong)microseconds);
        if (log > MaxLog2)
            return BucketCount - 1;
        int sub = (int)(microseconds >> (log - SubBucketBits)) & (SubBuckets - 1);
        return LinearBuckets + (log - 6) * SubBuckets + sub;
    }

    /// <summary>The largest value that falls in bucket <paramref name="index"/>.</summary>
    internal static long UpperBound(int index)
    {
        if (index < LinearBuckets)
            return index;
        int log = (index - LinearBuckets) / SubBuckets + 6;
        int sub = (index - LinearBuckets) % SubBuckets;
        long width = 1L << (log - SubBucketBits);
        return (1L << log) + (sub + 1) * width - 1;
    }
}
