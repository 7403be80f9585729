using System.Diagnostics;

namespace Hyperproxy.Sak.Bench;

/// <summary>
/// One generator thread of the OPTIONS and REGISTER scenarios: its own socket, recvmmsg/sendmmsg
/// batches, a ring of send times indexed by the sequence number carried in the Via branch (replies
/// are matched without allocating), counters by status code and class, and an HDR histogram of
/// latencies in ns (<see cref="LoadWorker"/>). The loop allocates nothing.
/// </summary>
public sealed class BenchWorker : LoadWorker
{
    private readonly RequestTemplate _template;
    private readonly BenchSocket _io;
    private readonly long _cseqBase;
    private readonly long[] _sentAt;
    private readonly int _mask;

    public BenchWorker(BenchOptions options, int index, RequestTemplate template, BenchSocket io, long quota, long cseqBase)
        : base(options, index, quota, inFlightFactor: 2)
    {
        _template = template;
        _io = io;
        _cseqBase = cseqBase;
        _sentAt = new long[RingSize];
        _mask = RingSize - 1;
    }

    public long MaxCSeq;

    /// <inheritdoc/>
    public override void Run(long start, long warmupEnd, long sendEnd)
    {
        // Every send slot holds the template from now on; a send only patches its digits.
        for (int i = 0; i < _io.Capacity; i++)
        {
            _template.Write(_io.SendSlot(i), 0, 0, 0);
            _io.SetLength(i, _template.Length);
        }
        BeginRun(start, warmupEnd, sendEnd);
        ulong next = 1, oldest = 1;
        long outstanding = 0;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (Tick(now, next))
                Histogram.Reset();
            outstanding -= ExpireOldest(ref oldest, next, now);
            if (Finished(now, outstanding))
                break;
            int allowance = Allowance(now, outstanding, _sentAt.Length - (long)(next - oldest));
            if (allowance > 0)
                outstanding += SendBatch(allowance, ref next, now);
            int got = _io.Receive(ReceiveWaitMs(allowance));
            if (got == 0)
                continue;
            long arrived = Stopwatch.GetTimestamp();
            for (int i = 0; i < got; i++)
                outstanding -= OnResponse(_io.Received(i), oldest, next, arrived);
        }
        Done = true;
    }

    /// <summary>Patches and sends <paramref name="allowance"/> requests; returns how many the kernel took.</summary>
    private int SendBatch(int allowance, ref ulong next, long now)
    {
        ulong first = next;
        for (int i = 0; i < allowance; i++)
        {
            long k = (long)(next - 1);
            long user = Index + (k % UsersHere) * Options.Threads;
            long cseq = _cseqBase + k / UsersHere;
            MaxCSeq = cseq;
            _template.Patch(_io.SendSlot(i), next, cseq, user);
            _sentAt[(int)(next & (ulong)_mask)] = now;
            next++;
        }
        int accepted = _io.Send(allowance);
        CountSent(_sentAt, first, next, accepted);
        return accepted;
    }

    /// <summary>Frees ring entries whose request went unanswered too long (the oldest is at the head); returns how many.</summary>
    private long ExpireOldest(ref ulong oldest, ulong next, long now)
    {
        long expired = 0;
        while (oldest < next)
        {
            long t = _sentAt[(int)(oldest & (ulong)_mask)];
            if (t != 0)
            {
                if (now - t < TimeoutTicks)
                    break;
                _sentAt[(int)(oldest & (ulong)_mask)] = 0;
                expired++;
                if (oldest >= MeasureFrom)
                    Timeouts++;
            }
            oldest++;
        }
        return expired;
    }

    /// <summary>One received datagram; returns 1 when it was the final answer of an outstanding request.</summary>
    private int OnResponse(ReadOnlySpan<byte> p, ulong oldest, ulong next, long arrived)
    {
        int status = StatusOf(p);
        if (status == 0 || !RequestTemplate.TryReadSeq(p, out ulong seq))
        {
            Unmatched++;
            return 0;
        }
        if (seq < oldest || seq >= next)
        {
            Late++;
            return 0;
        }
        ref long sentAt = ref _sentAt[(int)(seq & (ulong)_mask)];
        if (sentAt == 0)
        {
            Late++;
            return 0;
        }
        bool measured = seq >= MeasureFrom;
        if (status < 200)
        {
            if (measured)
                ByClass[1]++;
            return 0;
        }
        long latency = arrived - sentAt;
        sentAt = 0;
        if (measured)
            RecordFinal(status, latency, arrived);
        return 1;
    }
}
