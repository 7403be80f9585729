namespace Hyperproxy.Script.Statistics;

/// <summary>
/// One statistic of a group (OpenSIPS's <c>stat_var</c>): a module declares it in its export table
/// (<see cref="Declarations.ModuleDeclaration.Statistics"/>) and keeps the object to count with.
/// A <see cref="Counter"/> lives in per-worker, cache-line padded cells that the
/// <see cref="StatisticsRegistry"/> owns and sums on read; <see cref="Add"/> from worker <c>w</c> is a
/// plain add to that worker's own cell (no lock, no interlocked, no allocation). A statistic with a
/// <see cref="Reader"/> is computed when read (the reader sums counters kept elsewhere, or reads a
/// level); script <c>update_stat</c> on it adds to the same per-worker cells.
/// </summary>
public sealed class Statistic
{
    private StatisticsRegistry? _registry;
    private int _index;

    private Statistic(string name, StatisticKind kind, Func<long>? reader)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Kind = kind;
        Reader = reader;
    }

    /// <summary>An incremental counter held by the registry (count with <see cref="Add"/>/<see cref="Increment"/>).</summary>
    public static Statistic Counter(string name) => new(name, StatisticKind.Counter, null);

    /// <summary>A registry-held value that <c>reset_statistics</c> leaves alone (the statistics module's <c>/no_reset</c>).</summary>
    public static Statistic Level(string name) => new(name, StatisticKind.Gauge, null);

    /// <summary>A counter kept elsewhere (per-worker structs) and summed by <paramref name="reader"/>; resettable.</summary>
    public static Statistic SummedCounter(string name, Func<long> reader) => new(name, StatisticKind.Counter, reader);

    /// <summary>A level computed when read; never reset.</summary>
    public static Statistic Gauge(string name, Func<long> reader) => new(name, StatisticKind.Gauge, reader);

    /// <summary>The name within its group (<c>rcv_requests</c>).</summary>
    public string Name { get; }

    /// <summary>The group (module) it belongs to, set when registered (<c>core</c>).</summary>
    public string Group { get; internal set; } = string.Empty;

    /// <summary><c>group:name</c>, as MI names it.</summary>
    public string FullName => Group + ":" + Name;

    public StatisticKind Kind { get; }

    /// <summary>How the value (before per-worker cells and resets) is computed; null for registry-held counters.</summary>
    public Func<long>? Reader { get; }

    /// <summary>True once registered with a registry (the counting calls reach cells).</summary>
    public bool IsBound => _registry is not null;

    internal byte[] Utf8Name { get; private set; } = [];

    internal byte[] Utf8FullName { get; private set; } = [];

    internal int Index => _index;

    /// <summary>Adds <paramref name="delta"/> from worker <paramref name="worker"/> (its own cell); any other
    /// thread passes -1 (a shared cell, added atomically). Nothing happens before the statistic is registered.</summary>
    public void Add(int worker, long delta) => _registry?.Add(worker, _index, delta);

    public void Increment(int worker) => _registry?.Add(worker, _index, 1);

    /// <summary>The current value (sum over the workers, minus the last reset); 0 before registration.</summary>
    public long Read() => _registry?.Read(this) ?? 0;

    internal void Bind(StatisticsRegistry registry, string group, int index)
    {
        if (_registry is not null)
            throw new InvalidOperationException($"statistic {FullName} is already registered");
        _registry = registry;
        Group = group;
        _index = index;
        Utf8Name = System.Text.Encoding.UTF8.GetBytes(Name);
        Utf8FullName = System.Text.Encoding.UTF8.GetBytes(FullName);
    }
}
