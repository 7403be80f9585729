namespace Hyperproxy.Transport;

/// <summary>
/// When a worker stops gathering for a commit (<see cref="ICommitHandler"/>), kept per worker across commits.
/// Gathering ends at the first of:
/// <list type="bullet">
/// <item>the expected arrivals are in hand, and a receive finds nothing more waiting. Expected: as many as the
/// previous commit covered (in a closed loop every request it answered comes back), plus the stragglers — the
/// datagrams already waiting the moment that commit's sync returned, before its replies were sent
/// (<see cref="Stragglers"/>): they arrived during the sync and are not answers to it. Once that many are in hand nothing else is on its way, and
/// waiting for a quiet gap would only add the gap to every cycle (at 16 in flight the whole window waits in one
/// commit);</item>
/// <item>a quiet gap: nothing arrived for <see cref="Worker.GatherQuietMicroseconds"/> (traffic lighter than
/// the last commit's, or the first commit);</item>
/// <item>the bounds: <see cref="Worker.GatherMaxMicroseconds"/> in all, or <see cref="Worker.GatherMaxBatches"/>
/// receive batches after the first.</item>
/// </list>
/// In a closed loop a window split by a commit that ended early (a descheduled worker, a slow client) comes back whole
/// at the next commit: the requests that missed it are the stragglers, counted in. An expectation too high (answers
/// so fast that they were counted as stragglers, a client that slowed down) costs the quiet gap, as before; one too
/// low commits early, and the next commit counts what missed it. Open-loop traffic ends on the quiet gap or the
/// bounds as before, or at the previous commit's size.
/// </summary>
internal struct CommitGathering
{
    private readonly long _quietTicks;
    private readonly long _maxTicks;
    private long _start;
    private long _lastArrival;
    private int _inHand;
    private int _expected;
    private int _stragglers;
    private int _carried;

    /// <summary>A policy with the given quiet gap and overall bound, in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public CommitGathering(long quietTicks, long maxTicks)
    {
        _quietTicks = quietTicks;
        _maxTicks = maxTicks;
    }

    /// <summary>What this gathering expects: the datagrams the last commit covered (0 before the first) plus the stragglers.</summary>
    public readonly int Expected => _expected + _stragglers;

    /// <summary>
    /// A receive made the moment a synchronous commit's sync returned (before its replies left) found
    /// <paramref name="count"/> datagrams: they arrived during the sync, missed it, and were handled; the next
    /// gathering starts with them in hand and expects them on top of the commit's answers.
    /// </summary>
    public void Stragglers(int count)
    {
        _stragglers = count;
        _carried = count;
    }

    /// <summary>Stragglers handled and not yet in a gathering (<see cref="Stragglers"/>).</summary>
    public readonly int Carried => _carried;

    /// <summary>The stragglers left nothing to commit: forget them.</summary>
    public void DropCarried()
    {
        _carried = 0;
        _stragglers = 0;
    }

    /// <summary>Datagrams handled since <see cref="Begin"/>.</summary>
    public readonly int InHand => _inHand;

    /// <summary>How the last gathering ended (for the worker's counters).</summary>
    public GatherEnd LastEnd { get; private set; }

    /// <summary>Starts a gathering after a batch of <paramref name="received"/> datagrams (0 or more, plus the stragglers
    /// carried) left work to commit.</summary>
    public void Begin(long now, int received)
    {
        _start = now;
        _lastArrival = now;
        _inHand = received + _carried;
        _carried = 0;
    }

    /// <summary>A receive during the gathering brought <paramref name="count"/> datagrams (handled now).</summary>
    public void Arrived(long now, int count)
    {
        _inHand += count;
        _lastArrival = now;
    }

    /// <summary>True when the quiet gap or the overall bound has passed: commit.</summary>
    public bool TimedOut(long now)
    {
        if (now - _lastArrival >= _quietTicks)
        {
            LastEnd = GatherEnd.Quiet;
            return true;
        }
        if (now - _start >= _maxTicks)
        {
            LastEnd = GatherEnd.Bound;
            return true;
        }
        return false;
    }

    /// <summary>A receive found nothing waiting: true when what the last commit covered is in hand (commit now).</summary>
    public bool NothingWaiting()
    {
        if (_expected > 0 && _inHand >= _expected + _stragglers)
        {
            LastEnd = GatherEnd.Expected;
            return true;
        }
        return false;
    }

    /// <summary>The batch bound ended the gathering.</summary>
    public void BatchBound() => LastEnd = GatherEnd.Bound;

    /// <summary>The commit is made: the next gathering expects as many as this one had in hand (plus its stragglers).</summary>
    public void Committed()
    {
        _expected = _inHand;
        _stragglers = 0;
    }
}

/// <summary>Why a worker stopped gathering for a commit (<see cref="CommitGathering"/>).</summary>
internal enum GatherEnd
{
    None,
    /// <summary>As many datagrams in hand as the previous commit covered, and nothing more waiting.</summary>
    Expected,
    /// <summary>Nothing arrived for the quiet gap.</summary>
    Quiet,
    /// <summary>The time or batch bound.</summary>
    Bound,
}
