using System.Diagnostics;
using Hyperproxy.Transport;

namespace Hyperproxy.Management;

/// <summary>
/// The <c>load</c> group: how busy the workers are (time handling and sending batches, not waiting in the
/// kernel) as a percentage over the last second, minute and ten minutes, in total and per worker. Samples the
/// workers' busy ticks at most once a second, when read or when the management thread ticks; a lock guards
/// the sample ring (readers only: the workers just add to their own counter).
/// </summary>
public sealed class LoadMeter
{
    private const int Capacity = 601;
    private readonly IReadOnlyList<Worker> _workers;
    private readonly long[] _times = new long[Capacity];
    private readonly long[][] _busy;
    private readonly object _lock = new();
    private int _count;
    private int _head; // next slot to write

    public LoadMeter(IReadOnlyList<Worker> workers)
    {
        _workers = workers;
        _busy = new long[Capacity][];
        for (int i = 0; i < Capacity; i++)
            _busy[i] = new long[workers.Count];
        Sample(force: true);
    }

    /// <summary>Takes a sample when the last one is a second old (or <paramref name="force"/>).</summary>
    public void Sample(bool force = false)
    {
        lock (_lock)
        {
            long now = Stopwatch.GetTimestamp();
            if (!force && _count > 0 && now - _times[Prev(_head, 1)] < Stopwatch.Frequency)
                return;
            _times[_head] = now;
            for (int w = 0; w < _workers.Count; w++)
                _busy[_head][w] = _workers[w].BusyTicks;
            _head = (_head + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    /// <summary>Busy percentage (0..100) over about <paramref name="seconds"/>, averaged over the workers or of one worker (<paramref name="worker"/> ≥ 0).</summary>
    public long Percent(int seconds, int worker = -1)
    {
        Sample();
        lock (_lock)
        {
            if (_count < 2)
                return 0;
            int newest = Prev(_head, 1);
            int back = Math.Min(seconds, _count - 1);
            int oldest = Prev(_head, 1 + back);
            double elapsed = _times[newest] - _times[oldest];
            if (elapsed <= 0)
                return 0;
            double busy = 0;
            int from = worker < 0 ? 0 : worker;
            int to = worker < 0 ? _workers.Count : worker + 1;
            for (int w = from; w < to; w++)
                busy += _busy[newest][w] - _busy[oldest][w];
            int n = Math.Max(1, to - from);
            return (long)Math.Round(Math.Clamp(100.0 * busy / (elapsed * n), 0, 100));
        }
    }

    private static int Prev(int index, int back) => ((index - back) % Capacity + Capacity) % Capacity;
}
