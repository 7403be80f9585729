using System.Diagnostics;
using System.Numerics;
using HdrHistogram;

namespace Hyperproxy.Sak.Bench;

/// <summary>
/// What every generator thread shares, whatever it sends: the counters the report sums, the HDR
/// histogram of latencies in ns, and the pacing of one run (warm-up, open loop at a rate or closed
/// loop with a window, a quota or a duration, the drain at the end). The pacing state belongs to
/// the worker's thread; the counters are only read by the progress line while it runs.
/// </summary>
public abstract class LoadWorker
{
    private long _warmupEnd;
    private long _sendEnd;
    private long _runStart;
    private long _timeoutTicks;
    private bool _sending;
    private long _lastSend;

    protected LoadWorker(BenchOptions options, int index, long quota, int inFlightFactor)
    {
        Options = options;
        Index = index;
        Quota = quota;
        RatePerThread = options.Rate / options.Threads;
        UsersHere = Math.Max(1, (options.Users - index + options.Threads - 1) / options.Threads);
        long inFlight = options.Rate > 0 ? (long)(RatePerThread * (options.TimeoutMs / 1000.0) * inFlightFactor) + 4096 : options.Window * 4L;
        RingSize = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(inFlight, 1024, 1 << 24));
        Histogram = new LongHistogram(1, 100_000_000_000L, 3);
    }

    protected BenchOptions Options { get; }

    protected int Index { get; }

    /// <summary>Requests (or calls) this thread sends; 0: until the duration is over.</summary>
    protected long Quota { get; }

    protected double RatePerThread { get; }

    /// <summary>How many of the --users this thread's requests name (its share of u0..u(users-1)).</summary>
    public int UsersHere { get; }

    /// <summary>Entries of the ring of send times (a power of two, room for everything in flight).</summary>
    protected int RingSize { get; }

    /// <summary>Latencies (request → final answer) in ns.</summary>
    public LongHistogram Histogram { get; }

    /// <summary>Final answers by status.</summary>
    public long[] ByStatus { get; } = new long[700];

    public long[] ByClass { get; } = new long[7];

    public long Sent;
    public long Received;
    public long Timeouts;
    public long Unmatched;
    public long Late;
    public long SendErrors;
    public long UnansweredAtEnd;
    public long MeasureStart;
    public long MeasureEnd;
    public long LastAnswer;
    public volatile bool Done;

    /// <summary>What the progress line counts as done (answers; completed calls in the call scenario).</summary>
    public virtual long ProgressDone => Volatile.Read(ref Received);

    /// <summary>Requests (or calls) issued so far in this run.</summary>
    protected long Issued { get; set; }

    /// <summary>The first sequence number that is measured (ulong.MaxValue while warming up).</summary>
    protected ulong MeasureFrom { get; private set; }

    protected long TimeoutTicks => _timeoutTicks;

    /// <summary>Runs until the quota or the duration is used up and the answers are in (or timed out).</summary>
    public abstract void Run(long start, long warmupEnd, long sendEnd);

    /// <summary>Resets the pacing for a run that starts at <paramref name="start"/>.</summary>
    protected void BeginRun(long start, long warmupEnd, long sendEnd)
    {
        _runStart = start;
        _warmupEnd = warmupEnd;
        _sendEnd = sendEnd;
        _timeoutTicks = Options.TimeoutMs * Stopwatch.Frequency / 1000;
        _sending = true;
        _lastSend = start;
        Issued = 0;
        MeasureFrom = warmupEnd > start ? ulong.MaxValue : 1;
        MeasureStart = start;
    }

    /// <summary>
    /// One tick of the pacing: ends the warm-up (true once, when requests from <paramref name="next"/>
    /// on are the measured ones) and stops sending when the quota or the duration is used up.
    /// </summary>
    protected bool Tick(long now, ulong next)
    {
        bool warmupEnded = false;
        if (MeasureFrom == ulong.MaxValue && now >= _warmupEnd)
        {
            MeasureFrom = next;
            MeasureStart = now;
            warmupEnded = true;
        }
        if (_sending && ((Quota > 0 && Issued >= Quota) || (Quota == 0 && now >= _sendEnd)))
        {
            _sending = false;
            MeasureEnd = now;
            _lastSend = now;
        }
        return warmupEnded;
    }

    /// <summary>Whether the run is over: sending stopped and nothing is outstanding (or the drain took too long).</summary>
    protected bool Finished(long now, long outstanding)
    {
        if (_sending || (outstanding != 0 && now - _lastSend <= _timeoutTicks * 2))
            return false;
        UnansweredAtEnd = outstanding;
        return true;
    }

    /// <summary>How many to send now: the rate's due or the window's room, within quota, ring room and batch.</summary>
    protected int Allowance(long now, long outstanding, long ringRoom)
    {
        if (!_sending)
            return 0;
        long want = Options.Rate > 0
            ? (long)((now - _runStart) * RatePerThread / Stopwatch.Frequency) - Issued
            : Options.Window - outstanding;
        if (Quota > 0)
            want = Math.Min(want, Quota - Issued);
        return (int)Math.Clamp(Math.Min(want, ringRoom), 0, Options.Batch);
    }

    /// <summary>How long a receive may wait: not at all while sending is due, else a millisecond.</summary>
    protected int ReceiveWaitMs(int allowance) => allowance > 0 || (_sending && Options.Rate > 0) ? 0 : 1;

    /// <summary>
    /// Counts a batch of requests <paramref name="first"/>..<paramref name="next"/>-1 of which the kernel took
    /// <paramref name="accepted"/>; the rest will get no answer, so their ring entries in <paramref name="sentAt"/> are freed now.
    /// </summary>
    protected void CountSent(long[] sentAt, ulong first, ulong next, int accepted)
    {
        int count = (int)(next - first);
        Issued += count;
        if (first >= MeasureFrom)
            Sent += accepted;
        if (accepted >= count)
            return;
        SendErrors += count - accepted;
        ulong mask = (ulong)sentAt.Length - 1;
        for (ulong s = first + (ulong)accepted; s < next; s++)
            sentAt[(int)(s & mask)] = 0;
    }

    /// <summary>Counts a final answer of a measured request with its latency in ticks.</summary>
    protected void RecordFinal(int status, long latencyTicks, long arrived)
    {
        Received++;
        LastAnswer = arrived;
        ByClass[status / 100]++;
        ByStatus[status]++;
        Histogram.RecordValue(Math.Max(1, (long)(latencyTicks * TicksToNs)));
    }

    protected static double TicksToNs => 1e9 / Stopwatch.Frequency;

    /// <summary>The status code of a response ("SIP/2.0 NNN"), 0 when it is not one.</summary>
    public static int StatusOf(ReadOnlySpan<byte> p)
    {
        if (p.Length < 12 || !p.StartsWith("SIP/2.0 "u8))
            return 0;
        int a = p[8] - '0', b = p[9] - '0', c = p[10] - '0';
        if ((uint)a > 9 || (uint)b > 9 || (uint)c > 9 || a < 1 || a > 6)
            return 0;
        return a * 100 + b * 10 + c;
    }
}
