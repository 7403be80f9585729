using Hyperproxy.Sip;

namespace Hyperproxy.Script.Tracing;

/// <summary>
/// The tracer's meeting point between workers and the tracer thread: one <see cref="TraceRing"/> per worker
/// plus one shared (startup/timer, taken under a lock), the global on/off switch (modparam trace_on, MI
/// <c>trace on|off</c>) and the names of the trace_id destinations. Nothing is captured while off.
/// </summary>
public sealed class TraceHub
{
    private readonly TraceRing[] _rings;
    private readonly object _sharedLock = new();
    private volatile bool _enabled;

    public TraceHub(int workers, bool enabled, int ringBytes = 1 << 20)
    {
        _rings = new TraceRing[workers + 1];
        for (int i = 0; i < _rings.Length; i++)
            _rings[i] = new TraceRing(ringBytes);
        _enabled = enabled;
    }

    public bool Enabled
    {
        get => _enabled;
        set => _enabled = value;
    }

    public IReadOnlyList<TraceRing> Rings => _rings;

    /// <summary>Set by the tracer thread to be woken early (optional).</summary>
    public long Dropped
    {
        get
        {
            long sum = 0;
            foreach (TraceRing r in _rings)
                sum += r.Dropped;
            return sum;
        }
    }

    /// <summary>Captures one message from <paramref name="worker"/> (-1: a non-worker thread). False when off or the ring is full.</summary>
    public bool Capture(int worker, int traceId, bool outgoing, in NetAddress source, in NetAddress destination, ReadOnlySpan<byte> message)
    {
        if (!_enabled)
            return false;
        var header = new TraceHeader
        {
            UnixMicros = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10,
            Source = source,
            Destination = destination,
            Outgoing = outgoing,
            TraceId = (byte)traceId,
        };
        if ((uint)worker < (uint)(_rings.Length - 1))
            return _rings[worker].TryWrite(header, message);
        lock (_sharedLock)
            return _rings[^1].TryWrite(header, message);
    }
}
