using System.Diagnostics;
using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Hosting;

/// <summary>
/// Runs the script's <c>timer_route</c> blocks on one dedicated background thread (never a worker),
/// each every <see cref="ScriptTimer.IntervalSeconds"/> seconds, with its own <see cref="ScriptContext"/>
/// and no message. <see cref="Dispose"/> stops the thread and waits for a running block to end.
/// </summary>
public sealed class ScriptTimerThread : IDisposable
{
    private readonly IReadOnlyList<ScriptTimer> _timers;
    private readonly ScriptContext _context;
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _thread;
    private long _runs;

    /// <summary>Starts the thread; <paramref name="script"/> must have at least one timer.</summary>
    public ScriptTimerThread(CompiledScript script, IScriptHost host)
    {
        if (script.Timers.Count == 0)
        {
            throw new ArgumentException("the script has no timer_route", nameof(script));
        }

        _timers = script.Timers;
        _context = script.CreateContext(host);
        _thread = new Thread(Loop) { IsBackground = true, Name = "hyperproxy-timer-routes" };
        _thread.Start();
    }

    /// <summary>The timer blocks run so far (all timers together).</summary>
    public long Runs => Interlocked.Read(ref _runs);

    /// <summary>The timer thread's context (its <c>$var</c> values persist between runs).</summary>
    public ScriptContext Context => _context;

    /// <summary>The script's timers on a background thread, or null when it has none.</summary>
    public static ScriptTimerThread? StartFor(CompiledScript script, IScriptHost host) =>
        script.Timers.Count == 0 ? null : new ScriptTimerThread(script, host);

    private void Loop()
    {
        var clock = Stopwatch.StartNew();
        var due = new long[_timers.Count];
        for (int i = 0; i < due.Length; i++)
        {
            due[i] = _timers[i].IntervalSeconds * 1000L;
        }

        while (true)
        {
            long now = clock.ElapsedMilliseconds;
            long next = long.MaxValue;
            for (int i = 0; i < due.Length; i++)
            {
                next = Math.Min(next, due[i]);
            }

            if (next > now && _stop.Wait(TimeSpan.FromMilliseconds(next - now)))
            {
                return;
            }

            if (_stop.IsSet)
            {
                return;
            }

            now = clock.ElapsedMilliseconds;
            for (int i = 0; i < due.Length; i++)
            {
                if (due[i] > now)
                {
                    continue;
                }

                _timers[i].Run(_context);
                Interlocked.Increment(ref _runs);
                long interval = _timers[i].IntervalSeconds * 1000L;
                // Keep the cadence; after a long stall, do not run the missed ticks back to back.
                due[i] = due[i] + interval > now ? due[i] + interval : now + interval;
            }
        }
    }

    public void Dispose()
    {
        _stop.Set();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        _stop.Dispose();
    }
}
