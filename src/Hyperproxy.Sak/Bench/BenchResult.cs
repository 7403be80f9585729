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
    public long CSeqFirst { get; private set; }
    public required LongHistogram Latency { get; init; }

    /// <summary>Call scenario: BYE → final latencies (null in the other scenarios).</summary>
    public LongHistogram? ByeLatency { get; private set; }
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

    public static BenchResult Collect(BenchOptions o, CallWorker[] workers)
    {
        var r = new BenchResult { Latency = new LongHistogram(1, 100_000_000_000L, 3), ByeLatency = new LongHistogram(1, 100_000_000_000L, 3) };
        long first = long.MaxValue, last = 0;
        foreach (CallWorker w in workers)
        {
            r.Sent += w.Sent;
            r.Received += w.Received;
            r.Timeouts += w.Timeouts;
            r.ByeTimeouts += w.ByeTimeouts;
            r.UnansweredAtEnd += w.UnansweredAtEnd;
            r.Unmatched += w.Unmatched;
            r.Late += w.Late;
            r.SendErrors += w.SendErrors;
            r.WriteErrors += w.WriteErrors;
            r.CallsCompleted += w.Completed;
            r.CallsFailed += w.Failed;
            r.MessagesSent += w.MessagesSent;
            r.MessagesReceived += w.MessagesReceived;
            r.CalleeInvites += w.CalleeInvites;
            r.CalleeAcks += w.CalleeAcks;
            r.CalleeByes += w.CalleeByes;
            for (int i = 0; i < r.ByClass.Length; i++)
                r.ByClass[i] += w.ByClass[i];
            for (int i = 0; i < r.ByStatus.Length; i++)
            {
                r.ByStatus[i] += w.ByStatus[i];
                r.ByeByStatus[i] += w.ByeByStatus[i];
            }
            r.Latency.Add(w.Histogram);
            r.ByeLatency.Add(w.ByeHistogram);
            first = Math.Min(first, w.MeasureStart);
            long end = o.Count > 0 ? Math.Max(w.MeasureEnd, w.LastAnswer) : w.MeasureEnd;
            last = Math.Max(last, end);
        }
        r.Seconds = last > first ? (double)(last - first) / Stopwatch.Frequency : 0;
        return r;
    }

    public static BenchResult Collect(BenchOptions o, BenchWorker[] workers, long cseqBase)
    {
        var r = new BenchResult { Latency = new LongHistogram(1, 100_000_000_000L, 3) };
        long first = long.MaxValue, last = 0;
        foreach (BenchWorker w in workers)
        {
            r.Sent += w.Sent;
            r.Received += w.Received;
            r.Timeouts += w.Timeouts;
            r.UnansweredAtEnd += w.UnansweredAtEnd;
            r.Unmatched += w.Unmatched;
            r.Late += w.Late;
            r.SendErrors += w.SendErrors;
            for (int i = 0; i < r.ByClass.Length; i++)
                r.ByClass[i] += w.ByClass[i];
            for (int i = 0; i < r.ByStatus.Length; i++)
                r.ByStatus[i] += w.ByStatus[i];
            r.Latency.Add(w.Histogram);
            first = Math.Min(first, w.MeasureStart);
            long end = o.Count > 0 ? Math.Max(w.MeasureEnd, w.LastAnswer) : w.MeasureEnd;
            last = Math.Max(last, end);
        }
        r.Seconds = last > first ? (double)(last - first) / Stopwatch.Frequency : 0;
        r.CSeqFirst = o.Scenario == BenchScenario.Register ? cseqBase : 0;
        return r;
    }
}
