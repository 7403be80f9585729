namespace Hyperproxy.Proxy.Transactions;

/// <summary>Milliseconds for the transaction timers; tests inject a <see cref="ManualTmClock"/> (no sleeps).</summary>
public abstract class TmClock
{
    /// <summary>The monotonic clock of the machine.</summary>
    public static TmClock System { get; } = new SystemTmClock();

    /// <summary>Monotonic milliseconds.</summary>
    public abstract long NowMs { get; }

    private sealed class SystemTmClock : TmClock
    {
        public override long NowMs => Environment.TickCount64;
    }
}

/// <summary>A clock that moves only when told to (tests).</summary>
public sealed class ManualTmClock : TmClock
{
    private long _now = 1_000_000;

    public override long NowMs => Volatile.Read(ref _now);

    public void Advance(long milliseconds) => Interlocked.Add(ref _now, milliseconds);
}
