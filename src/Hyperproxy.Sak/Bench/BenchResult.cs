using System.Diagnostics;
using HdrHistogram;

namespace Hyperproxy.Sak.Bench;

/// <summary>The workers' counters summed after the run.</summary>
public sealed class BenchResult
{
    public long Sent { get; private set; }
    public long Received { get; private set; }
    public long Timeouts { get; private set; }
    public long UnansweredAtEnd { get; private set; }
    public long Unmatched { get; private set; }
    public long Late { get; private set; }
    public long SendErrors { get; private set; }
    public long[] ByClass { get; } = new long[7];
    public long[] ByStatus { get; } = new long[700];
    public double Seconds { get; private set; }
    public long CSeqFirst { get; private init; }
    public required LongHistogram Latency { get; init; }

    /// <summary>Call scenario: BYE → final latencies (null in the other scenarios).</summary>
    public LongHistogram? ByeLatency { get; private init; }
    public long CallsCompleted { get; private set; }
    public long CallsFailed { get; private set; }
    public long ByeTimeouts { get; private set; }
    public long WriteErrors { get; private set; }
    public long MessagesSent { get; private set; }
    public long MessagesReceived { get; private set; }
    public long CalleeInvites { get; private set; }
    public long CalleeAcks { get; private set; }
    public long CalleeByes { get; private set; }
    public long[] ByeByStatus { get; } = new long[700];

    /// <summary>Completed calls per second over the measured time.</summary>
    public double CallRate => Seconds > 0 ? CallsCompleted / Seconds : 0;

    /// <summary>Datagrams per second through the target (what a proxy in between handles: in + out of both our sockets).</summary>
    public double MessageRate => Seconds > 0 ? (MessagesSent + MessagesReceived) / Seconds : 0;

    public double ByePercentileUs(double p) => ByeLatency == null || ByeLatency.TotalCount == 0 ? 0 : ByeLatency.GetValueAtPercentile(p) / 1000.0;

    /// <summary>Answers per second over the measured time.</summary>
    public double Rate => Seconds > 0 ? Received / Seconds : 0;

    /// <summary>Requests sent per second over the measured time.</summary>
    public double OfferedRate => Seconds > 0 ? Sent / Seconds : 0;

    /// <summary>Latency at a percentile in microseconds.</summary>
    public double PercentileUs(double p) => Latency.TotalCount == 0 ? 0 : Latency.GetValueAtPercentile(p) / 1000.0;

    public double MaxUs => Latency.TotalCount == 0 ? 0 : Latency.GetMaxValue() / 1000.0;

    public double MeanUs => Latency.TotalCount == 0 ? 0 : Latency.GetMean() / 1000.0;

    /// <summary>
    /// Sums the workers' counters; the measured time runs from the first worker's measure start to the
    /// last one's end (with --count, its last answer). Call workers add the call figures.
    /// </summary>
    public static BenchResult Collect(BenchOptions o, LoadWorker[] workers, long cseqFirst)
    {
        bool calls = workers.Length > 0 && workers[0] is CallWorker;
        var r = new BenchResult
        {
            Latency = NewHistogram(),
            ByeLatency = calls ? NewHistogram() : null,
            CSeqFirst = cseqFirst,
        };
        long first = long.MaxValue, last = 0;
        foreach (LoadWorker w in workers)
        {
            r.Sent += w.Sent;
            r.Received += w.Received;
            r.Timeouts += w.Timeouts;
            r.UnansweredAtEnd += w.UnansweredAtEnd;
            r.Unmatched += w.Unmatched;
            r.Late += w.Late;
            r.SendErrors += w.SendErrors;
            Add(r.ByClass, w.ByClass);
            Add(r.ByStatus, w.ByStatus);
            r.Latency.Add(w.Histogram);
            if (w is CallWorker c)
                r.AddCalls(c);
            first = Math.Min(first, w.MeasureStart);
            long end = o.Count > 0 ? Math.Max(w.MeasureEnd, w.LastAnswer) : w.MeasureEnd;
            last = Math.Max(last, end);
        }
        r.Seconds = last > first ? (double)(last - first) / Stopwatch.Frequency : 0;
        return r;
    }

    private void AddCalls(CallWorker w)
    {
        ByeTimeouts += w.ByeTimeouts;
        WriteErrors += w.WriteErrors;
        CallsCompleted += w.Completed;
        CallsFailed += w.Failed;
        MessagesSent += w.MessagesSent;
        MessagesReceived += w.MessagesReceived;
        CalleeInvites += w.CalleeInvites;
        CalleeAcks += w.CalleeAcks;
        CalleeByes += w.CalleeByes;
        Add(ByeByStatus, w.ByeByStatus);
        ByeLatency!.Add(w.ByeHistogram);
    }

    private static void Add(long[] sum, long[] part)
    {
        for (int i = 0; i < sum.Length; i++)
            sum[i] += part[i];
    }

    private static LongHistogram NewHistogram() => new(1, 100_000_000_000L, 3);
}
