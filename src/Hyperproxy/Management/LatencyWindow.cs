using System.Text.Json.Nodes;
using Hyperproxy.Proxy.Metrics;

namespace Hyperproxy.Management;

/// <summary>
/// Percentiles of the request latency for the dashboard: over the last <see cref="Seconds"/> seconds (the
/// difference between the histogram now and a copy taken about that long ago; a copy is kept at most once a
/// second, when read, and one when the window is made, so a page opened in the first seconds sees everything
/// since then) and since the start. Read by side threads only (a lock guards the copies).
/// </summary>
public sealed class LatencyWindow
{
    public const int Seconds = 10;
    private const int Slots = Seconds + 1;
    private readonly long[][] _copies = NewCopies();
    private readonly long[] _copiedAt = new long[Slots];
    private readonly long[] _counts = new long[Slots];
    private readonly long[] _now = new long[LatencyHistogram.BucketCount];
    private readonly long[] _diff = new long[LatencyHistogram.BucketCount];
    private readonly object _lock = new();
    private readonly LatencyHistogram _histogram;
    private readonly Func<long> _clockMs;
    private int _kept;
    private int _head;

    public LatencyWindow(LatencyHistogram histogram, Func<long>? clockMs = null)
    {
        _histogram = histogram;
        _clockMs = clockMs ?? (() => Environment.TickCount64);
        lock (_lock)
            Keep(_clockMs(), histogram.Read(_now).Count);
    }

    /// <summary><c>{"window_s":10,"count":n,"p50_us":..,"p90_us":..,"p99_us":..,"p999_us":..,"total":{same since the start}}</c>; microseconds.</summary>
    public JsonObject Snapshot()
    {
        lock (_lock)
        {
            long nowMs = _clockMs();
            (long count, _) = _histogram.Read(_now);
            if (nowMs - _copiedAt[Previous(1)] >= 1000)
                Keep(nowMs, count);

            // The oldest copy inside the window, not counting the newest (it may be this very reading); else the newest
            // one before it (a dashboard that reads rarely sees a longer window rather than an empty one).
            int oldest = Previous(Math.Min(2, _kept));
            for (int back = _kept; back >= 2; back--)
            {
                int slot = Previous(back);
                if (nowMs - _copiedAt[slot] <= Seconds * 1000L)
                {
                    oldest = slot;
                    break;
                }
            }

            long[] then = _copies[oldest];
            for (int b = 0; b < _diff.Length; b++)
                _diff[b] = _now[b] - then[b];
            JsonObject window = Figures(_diff, count - _counts[oldest]);
            window["window_s"] = Seconds;
            window["total"] = Figures(_now, count);
            return window;
        }
    }

    /// <summary>Keeps <see cref="_now"/> (just read: <paramref name="count"/> values) as the copy of <paramref name="nowMs"/>.</summary>
    private void Keep(long nowMs, long count)
    {
        _now.CopyTo(_copies[_head], 0);
        _copiedAt[_head] = nowMs;
        _counts[_head] = count;
        _head = (_head + 1) % Slots;
        _kept = Math.Min(_kept + 1, Slots);
    }

    private static JsonObject Figures(long[] buckets, long count) => new()
    {
        ["count"] = count,
        ["p50_us"] = Micro(LatencyHistogram.Percentile(buckets, count, 0.50)),
        ["p90_us"] = Micro(LatencyHistogram.Percentile(buckets, count, 0.90)),
        ["p99_us"] = Micro(LatencyHistogram.Percentile(buckets, count, 0.99)),
        ["p999_us"] = Micro(LatencyHistogram.Percentile(buckets, count, 0.999)),
    };

    private static double Micro(long nanoseconds) => nanoseconds / 1000.0;

    private int Previous(int back) => ((_head - back) % Slots + Slots) % Slots;

    private static long[][] NewCopies()
    {
        var copies = new long[Slots][];
        for (int i = 0; i < Slots; i++)
            copies[i] = new long[LatencyHistogram.BucketCount];
        return copies;
    }
}
