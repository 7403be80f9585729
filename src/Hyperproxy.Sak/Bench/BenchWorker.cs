using System.Diagnostics;
using System.Numerics;
using HdrHistogram;
using Hyperproxy.Transport;

namespace Hyperproxy.Sak.Bench;

/// <summary>
/// One generator thread: its own socket, recvmmsg/sendmmsg batches, a ring of send times
/// indexed by the sequence number carried in the Via branch (replies are matched without
/// allocating), counters by status code and class, and an HDR histogram of latencies in ns.
/// The loop allocates nothing; its state belongs to this thread, the counters are only read
/// by the progress line.
/// </summary>
public sealed class BenchWorker
{
    private readonly BenchOptions _o;
    private readonly int _index;
    private readonly RequestTemplate _template;
    private readonly BenchSocket _io;
    private readonly long _quota;
    private readonly double _rate;
    private readonly int _usersHere;
    private readonly long _cseqBase;
    private readonly long[] _sentAt;
    private readonly int _mask;

    public BenchWorker(BenchOptions options, int index, RequestTemplate template, BenchSocket io, long quota, long cseqBase)
    {
        _o = options;
        _index = index;
        _template = template;
        _io = io;
        _quota = quota;
        _rate = options.Rate / options.Threads;
        _usersHere = Math.Max(1, (options.Users - index + options.Threads - 1) / options.Threads);
        _cseqBase = cseqBase;
        long inFlight = options.Rate > 0 ? (long)(_rate * (options.TimeoutMs / 1000.0) * 2) + 4096 : options.Window * 4L;
        int ring = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(inFlight, 1024, 1 << 24));
        _sentAt = new long[ring];
        _mask = ring - 1;
        Histogram = new LongHistogram(1, 100_000_000_000L, 3);
    }

    public LongHistogram Histogram { get; }

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
    public long MaxCSeq;
    public volatile bool Done;

    /// <summary>Runs until the quota or the duration is used up and the answers are in (or timed out).</summary>
    public void Run(long start, long warmupEnd, long sendEnd)
    {
        // Every send slot holds the template from now on; a send only patches its digits.
        for (int i = 0; i < _io.Capacity; i++)
        {
            _template.Write(_io.SendSlot(i), 0, 0, 0);
            _io.SetLength(i, _template.Length);
        }
        long timeoutTicks = _o.TimeoutMs * Stopwatch.Frequency / 1000;
        double ticksToNs = 1e9 / Stopwatch.Frequency;
        ulong next = 1, oldest = 1, measureFrom = warmupEnd > start ? ulong.MaxValue : 1;
        long outstanding = 0;
        long issued = 0;
        MeasureStart = start;
        bool sending = true;
        long lastSend = start;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (measureFrom == ulong.MaxValue && now >= warmupEnd)
            {
                measureFrom = next;
                MeasureStart = now;
                Histogram.Reset();
            }
            if (sending && ((_quota > 0 && issued >= _quota) || (_quota == 0 && now >= sendEnd)))
            {
                sending = false;
                MeasureEnd = now;
                lastSend = now;
            }
            // Timeouts: the oldest request is at the head of the ring.
            while (oldest < next)
            {
                long t = _sentAt[(int)(oldest & (ulong)_mask)];
                if (t != 0)
                {
                    if (now - t < timeoutTicks)
                        break;
                    _sentAt[(int)(oldest & (ulong)_mask)] = 0;
                    outstanding--;
                    if (oldest >= measureFrom)
                        Timeouts++;
                }
                oldest++;
            }
            if (!sending && (outstanding == 0 || now - lastSend > timeoutTicks * 2))
            {
                UnansweredAtEnd = outstanding;
                break;
            }
            int allowance = 0;
            if (sending)
            {
                long want = _o.Rate > 0
                    ? (long)((now - start) * _rate / Stopwatch.Frequency) - issued
                    : _o.Window - outstanding;
                if (_quota > 0)
                    want = Math.Min(want, _quota - issued);
                long ringRoom = _sentAt.Length - (long)(next - oldest);
                allowance = (int)Math.Clamp(Math.Min(want, ringRoom), 0, _o.Batch);
            }
            if (allowance > 0)
            {
                ulong first = next;
                for (int i = 0; i < allowance; i++)
                {
                    long k = (long)(next - 1);
                    long user = _index + (k % _usersHere) * _o.Threads;
                    long cseq = _cseqBase + k / _usersHere;
                    MaxCSeq = cseq;
                    _template.Patch(_io.SendSlot(i), next, cseq, user);
                    _sentAt[(int)(next & (ulong)_mask)] = now;
                    next++;
                }
                int accepted = _io.Send(allowance);
                issued += allowance;
                outstanding += allowance;
                if (first >= measureFrom)
                    Sent += accepted;
                if (accepted < allowance)
                {
                    SendErrors += allowance - accepted;
                    // Not sent: no answer will come; free their ring slots now.
                    for (ulong s = first + (ulong)accepted; s < next; s++)
                        _sentAt[(int)(s & (ulong)_mask)] = 0;
                    outstanding -= allowance - accepted;
                }
            }
            int got = _io.Receive(allowance > 0 || (sending && _o.Rate > 0) ? 0 : 1);
            if (got == 0)
                continue;
            long arrived = Stopwatch.GetTimestamp();
            for (int i = 0; i < got; i++)
            {
                ReadOnlySpan<byte> p = _io.Received(i);
                int status = StatusOf(p);
                if (status == 0 || !RequestTemplate.TryReadSeq(p, out ulong seq))
                {
                    Unmatched++;
                    continue;
                }
                if (seq < oldest || seq >= next)
                {
                    Late++;
                    continue;
                }
                ref long sentAt = ref _sentAt[(int)(seq & (ulong)_mask)];
                if (sentAt == 0)
                {
                    Late++;
                    continue;
                }
                bool measured = seq >= measureFrom;
                if (status < 200)
                {
                    if (measured)
                        ByClass[1]++;
                    continue;
                }
                long latency = arrived - sentAt;
                sentAt = 0;
                outstanding--;
                if (!measured)
                    continue;
                Received++;
                LastAnswer = arrived;
                ByClass[status / 100]++;
                ByStatus[status]++;
                Histogram.RecordValue(Math.Max(1, (long)(latency * ticksToNs)));
            }
        }
        Done = true;
    }

    /// <summary>The status code of a response ("SIP/2.0 NNN"), 0 when it is not one.</summary>
    private static int StatusOf(ReadOnlySpan<byte> p)
    {
        if (p.Length < 12 || !p.StartsWith("SIP/2.0 "u8))
            return 0;
        int a = p[8] - '0', b = p[9] - '0', c = p[10] - '0';
        if ((uint)a > 9 || (uint)b > 9 || (uint)c > 9 || a < 1 || a > 6)
            return 0;
        return a * 100 + b * 10 + c;
    }
}
