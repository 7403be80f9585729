using System.Diagnostics;
using System.Globalization;
using Hyperproxy.Transport;

namespace Hyperproxy.Sak.Bench;

/// <summary>
/// Runs the workers of one bench, one thread each (pinned by --cpus), after the warm-up and for
/// the duration the options give, with the live progress line on a terminal; every scenario's
/// runner ends here once its workers are set up.
/// </summary>
public static class BenchThreads
{
    /// <summary>Runs every worker to its end; a worker's failure becomes one <see cref="SakException"/>.</summary>
    public static void Run(LoadWorker[] workers, BenchOptions o, TextWriter stdout, string threadName)
    {
        long start = Stopwatch.GetTimestamp();
        long warmupEnd = start + (long)(o.WarmupS * Stopwatch.Frequency);
        long sendEnd = warmupEnd + (long)(o.DurationS * Stopwatch.Frequency);
        var threads = new Thread[workers.Length];
        Exception? failure = null;
        for (int t = 0; t < workers.Length; t++)
        {
            LoadWorker worker = workers[t];
            int cpu = o.Cpus != null ? o.Cpus[t] : -1;
            threads[t] = new Thread(() =>
            {
                try
                {
                    if (cpu >= 0)
                        CpuAffinity.PinCurrentThread(cpu);
                    worker.Run(start, warmupEnd, sendEnd);
                }
                catch (Exception e)
                {
                    failure = e;
                    worker.Done = true;
                }
            })
            { IsBackground = true, Name = threadName + "-" + t.ToString(CultureInfo.InvariantCulture) };
            threads[t].Start();
        }
        bool progress = !Console.IsOutputRedirected && !o.Json;
        foreach (Thread thread in threads)
        {
            while (!thread.Join(progress ? 1000 : 200))
            {
                if (progress)
                    BenchReport.Progress(stdout, workers, start, o.Scenario == BenchScenario.Call);
            }
        }
        if (progress)
            stdout.WriteLine();
        if (failure != null)
            throw new SakException("bench: " + failure.Message);
    }

    /// <summary>Worker <paramref name="t"/>'s share of --count (0: no count, run for the duration).</summary>
    public static long Quota(BenchOptions o, int t) => o.Count > 0 ? o.Count / o.Threads + (t < o.Count % o.Threads ? 1 : 0) : 0;
}
