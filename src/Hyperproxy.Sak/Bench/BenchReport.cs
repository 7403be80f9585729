using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Hyperproxy.Transport;

namespace Hyperproxy.Sak.Bench;

/// <summary>The bench's words: the echoed options, the progress line, the text and JSON reports.</summary>
public static class BenchReport
{
    private static readonly CultureInfo s_ci = CultureInfo.InvariantCulture;

    public static string Header(BenchOptions o, IPEndPoint target, IPEndPoint destination, IPAddress local, long cseqBase)
    {
        var b = new StringBuilder();
        b.Append(s_ci, $"hypersak bench: scenario {o.Scenario.ToString().ToLowerInvariant()}, target {target}, local {local}, ");
        b.Append(o.Rate > 0 ? string.Create(s_ci, $"open loop {o.Rate:0} req/s") : string.Create(s_ci, $"closed loop window {o.Window}/thread"));
        b.Append(o.Count > 0 ? string.Create(s_ci, $", count {o.Count}") : string.Create(s_ci, $", duration {o.DurationS}s"));
        b.Append(s_ci, $", warmup {o.WarmupS}s, threads {o.Threads}, cpus {(o.Cpus == null ? "any" : CpuList.Format(o.Cpus))}, batch {o.Batch}, timeout {o.TimeoutMs}ms");
        if (o.Scenario == BenchScenario.Call)
            b.Append(s_ci, $", users {o.Users}, {(o.RegisterCallee ? "callees registered at the target" : "callees addressed directly")}");
        if (o.Scenario == BenchScenario.Register)
            b.Append(s_ci, $", users {o.Users}, expires {o.Expires}, cseq from {cseqBase}, path {(o.Paths.Count == 0 ? "none" : string.Join(",", o.Paths))}");
        if (o.Routes.Count > 0)
            b.Append(s_ci, $", route {string.Join(",", o.Routes)} (sent to {destination})");
        b.Append('\n');
        b.Append(s_ci, $"machine: {Environment.MachineName}, {Environment.ProcessorCount} CPUs (available {CpuList.Format(CpuAffinity.AvailableCpus())}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}, {BatchIo.Resolve(BatchIoKind.Auto)} I/O");
        return b.ToString();
    }

    /// <summary>The live progress line: requests and answers, or calls and completed calls.</summary>
    public static void Progress(TextWriter w, LoadWorker[] workers, long start, bool calls)
    {
        long sent = 0, done = 0, timeouts = 0;
        foreach (LoadWorker x in workers)
        {
            sent += Volatile.Read(ref x.Sent);
            done += x.ProgressDone;
            timeouts += Volatile.Read(ref x.Timeouts);
        }
        double s = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        w.Write(calls
            ? string.Create(s_ci, $"\r{s,6:0.0}s  calls {sent,12}  completed {done,12}  timeouts {timeouts,8}  ~{(s > 0 ? done / s : 0),10:0} calls/s   ")
            : string.Create(s_ci, $"\r{s,6:0.0}s  sent {sent,12}  answered {done,12}  timeouts {timeouts,8}  ~{(s > 0 ? done / s : 0),10:0}/s   "));
    }

    public static string Text(BenchResult r)
    {
        var b = new StringBuilder();
        b.Append(s_ci, $"sent {r.Sent} in {r.Seconds:0.000}s ({r.OfferedRate:0}/s offered), answered {r.Received} ({r.Rate:0}/s)\n");
        b.Append(s_ci, $"by class: 1xx {r.ByClass[1]}, 2xx {r.ByClass[2]}, 3xx {r.ByClass[3]}, 4xx {r.ByClass[4]}, 5xx {r.ByClass[5]}, 6xx {r.ByClass[6]}\n");
        b.Append("by status:");
        for (int i = 100; i < r.ByStatus.Length; i++)
        {
            if (r.ByStatus[i] > 0)
                b.Append(s_ci, $" {i}={r.ByStatus[i]}");
        }
        b.Append('\n');
        b.Append(s_ci, $"timeouts {r.Timeouts}, unanswered at end {r.UnansweredAtEnd}, unmatched {r.Unmatched}, late {r.Late}, send errors {r.SendErrors}\n");
        b.Append(s_ci, $"latency us: p50 {r.PercentileUs(50):0.0}  p90 {r.PercentileUs(90):0.0}  p99 {r.PercentileUs(99):0.0}  p99.9 {r.PercentileUs(99.9):0.0}  max {r.MaxUs:0.0}  mean {r.MeanUs:0.0}\n");
        if (r.ByeLatency != null)
        {
            b.Append(s_ci, $"calls: completed {r.CallsCompleted} ({r.CallRate:0}/s), failed {r.CallsFailed}, BYE timeouts {r.ByeTimeouts}; messages {r.MessagesSent} out + {r.MessagesReceived} in ({r.MessageRate:0}/s)\n");
            b.Append(s_ci, $"callee: INVITE {r.CalleeInvites}, ACK {r.CalleeAcks}, BYE {r.CalleeByes}; write errors {r.WriteErrors}\n");
            b.Append(s_ci, $"BYE latency us: p50 {r.ByePercentileUs(50):0.0}  p90 {r.ByePercentileUs(90):0.0}  p99 {r.ByePercentileUs(99):0.0}  p99.9 {r.ByePercentileUs(99.9):0.0}  max {r.ByePercentileUs(100):0.0}\n");
        }
        return b.ToString();
    }

    /// <summary>One JSON object; field names follow native/udpgen's so run-bench.sh reads either.</summary>
    public static string Json(BenchOptions o, BenchResult r)
    {
        var b = new StringBuilder("{");
        b.Append(s_ci, $"\"label\":\"{Escape(o.Label)}\",\"scenario\":\"{o.Scenario.ToString().ToLowerInvariant()}\",\"target\":\"{Escape(o.Target)}\",");
        b.Append(s_ci, $"\"threads\":{o.Threads},\"window\":{(o.Rate > 0 ? 0 : o.Window)},\"rate_target\":{o.Rate:0},\"batch\":{o.Batch},");
        b.Append(s_ci, $"\"duration_s\":{r.Seconds:0.000},\"warmup_s\":{o.WarmupS:0.000},\"sent\":{r.Sent},\"received\":{r.Received},");
        b.Append(s_ci, $"\"rate\":{r.Rate:0},\"offered_rate\":{r.OfferedRate:0},\"ok\":{r.ByClass[2]},");
        b.Append(s_ci, $"\"by_class\":{{\"1xx\":{r.ByClass[1]},\"2xx\":{r.ByClass[2]},\"3xx\":{r.ByClass[3]},\"4xx\":{r.ByClass[4]},\"5xx\":{r.ByClass[5]},\"6xx\":{r.ByClass[6]}}},");
        b.Append("\"by_status\":{");
        bool firstStatus = true;
        for (int i = 100; i < r.ByStatus.Length; i++)
        {
            if (r.ByStatus[i] == 0)
                continue;
            b.Append(s_ci, $"{(firstStatus ? "" : ",")}\"{i}\":{r.ByStatus[i]}");
            firstStatus = false;
        }
        b.Append("},");
        b.Append(s_ci, $"\"timeouts\":{r.Timeouts},\"unanswered_at_end\":{r.UnansweredAtEnd},\"unmatched\":{r.Unmatched},\"late\":{r.Late},\"send_errors\":{r.SendErrors},");
        b.Append(s_ci, $"\"p50_us\":{r.PercentileUs(50):0.0},\"p90_us\":{r.PercentileUs(90):0.0},\"p99_us\":{r.PercentileUs(99):0.0},\"p999_us\":{r.PercentileUs(99.9):0.0},");
        b.Append(s_ci, $"\"max_us\":{r.MaxUs:0.0},\"mean_us\":{r.MeanUs:0.0},\"cseq_first\":{r.CSeqFirst}");
        if (r.ByeLatency != null)
        {
            b.Append(s_ci, $",\"calls_completed\":{r.CallsCompleted},\"calls_failed\":{r.CallsFailed},\"call_rate\":{r.CallRate:0},\"bye_timeouts\":{r.ByeTimeouts},");
            b.Append(s_ci, $"\"messages_sent\":{r.MessagesSent},\"messages_received\":{r.MessagesReceived},\"msg_rate\":{r.MessageRate:0},\"write_errors\":{r.WriteErrors},");
            b.Append(s_ci, $"\"callee_invites\":{r.CalleeInvites},\"callee_acks\":{r.CalleeAcks},\"callee_byes\":{r.CalleeByes},\"bye_by_status\":{{");
            bool firstBye = true;
            for (int i = 100; i < r.ByeByStatus.Length; i++)
            {
                if (r.ByeByStatus[i] == 0)
                    continue;
                b.Append(s_ci, $"{(firstBye ? "" : ",")}\"{i}\":{r.ByeByStatus[i]}");
                firstBye = false;
            }
            b.Append(s_ci, $"}},\"bye_p50_us\":{r.ByePercentileUs(50):0.0},\"bye_p90_us\":{r.ByePercentileUs(90):0.0},\"bye_p99_us\":{r.ByePercentileUs(99):0.0},");
            b.Append(s_ci, $"\"bye_p999_us\":{r.ByePercentileUs(99.9):0.0},\"bye_max_us\":{r.ByePercentileUs(100):0.0}");
        }
        b.Append('}');
        return b.ToString();
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
