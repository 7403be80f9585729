using System.Runtime.CompilerServices;

namespace Hyperproxy.Script.Statistics;

/// <summary>
/// Every statistic of a running server, by group (OpenSIPS's <c>statistics.c</c>): the core registers
/// <c>core</c>, <c>shmem</c>, <c>load</c>, <c>net</c>; each loaded module registers the rows of its export
/// table under its own name. Registration happens at start-up, then <see cref="Seal"/> sizes the cells:
/// one row of <c>long</c>s per worker plus one shared row (timer, MI, startup), each row padded so two
/// workers' rows never share a cache line. A worker adds to its own row with a plain add; a read sums
/// the rows (and the statistic's reader) and subtracts the value at the last reset. Reads and resets
/// can come from any thread; nothing here locks.
/// </summary>
public sealed class StatisticsRegistry
{
    private const int LongsPerLine = 8;
    private readonly List<Statistic> _all = [];
    private readonly List<string> _groups = [];
    private long[] _cells = [];
    private long[] _baseline = [];
    private int _stride;
    private int _workers;

    /// <summary>Every statistic in registration order (groups in order, names in their table's order).</summary>
    public IReadOnlyList<Statistic> All => _all;

    /// <summary>The group names in registration order.</summary>
    public IReadOnlyList<string> Groups => _groups;

    /// <summary>Number of worker rows (the shared row comes after them).</summary>
    public int Workers => _workers;

    public bool IsSealed { get; private set; }

    /// <summary>Registers <paramref name="statistics"/> under <paramref name="group"/>; a name taken twice in a group is refused.</summary>
    public void Register(string group, IEnumerable<Statistic> statistics)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        if (IsSealed)
            throw new InvalidOperationException($"statistics group {group}: registered after start-up");
        if (!_groups.Contains(group))
            _groups.Add(group);
        foreach (Statistic s in statistics)
        {
            if (Find(group, s.Name) is not null)
                throw new InvalidOperationException($"statistic {group}:{s.Name} is declared twice");
            s.Bind(this, group, _all.Count);
            _all.Add(s);
        }
    }

    /// <summary>Allocates the cells for <paramref name="workers"/> workers; no registration after this.</summary>
    public void Seal(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        _workers = workers;
        // Whole cache lines per row plus one line of padding, so rows never share a line whatever the array's alignment.
        _stride = ((_all.Count + LongsPerLine - 1) / LongsPerLine + 1) * LongsPerLine;
        _cells = new long[(workers + 1) * _stride];
        _baseline = new long[_all.Count];
        IsSealed = true;
    }

    /// <summary>Adds to a statistic's cell of <paramref name="worker"/> (-1 or out of range: the shared row, atomically).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Add(int worker, int index, long delta)
    {
        long[] cells = _cells;
        if ((uint)worker < (uint)_workers)
        {
            cells[worker * _stride + index] += delta;
        }
        else if (cells.Length != 0)
        {
            Interlocked.Add(ref cells[_workers * _stride + index], delta);
        }
    }

    /// <summary>The value of <paramref name="s"/>: its reader plus every row, minus the last reset.</summary>
    public long Read(Statistic s) => Raw(s) - (s.Kind == StatisticKind.Counter && _baseline.Length != 0 ? Volatile.Read(ref _baseline[s.Index]) : 0);

    /// <summary>Resets a counter to 0 (OpenSIPS: gauges are silently unaffected); false for a gauge.</summary>
    public bool Reset(Statistic s)
    {
        if (s.Kind != StatisticKind.Counter || _baseline.Length == 0)
            return false;
        Volatile.Write(ref _baseline[s.Index], Raw(s));
        return true;
    }

    private long Raw(Statistic s)
    {
        long value = s.Reader?.Invoke() ?? 0;
        long[] cells = _cells;
        for (int at = s.Index; at < cells.Length; at += _stride)
            value += Volatile.Read(ref cells[at]);
        return value;
    }

    /// <summary>A statistic by <c>group:name</c> or plain <c>name</c> (the first group that has it), as <c>$stat()</c> and MI name them.</summary>
    public Statistic? Find(ReadOnlySpan<byte> name)
    {
        int colon = name.IndexOf((byte)':');
        for (int i = 0; i < _all.Count; i++)
        {
            Statistic s = _all[i];
            if (colon >= 0 ? name.SequenceEqual(s.Utf8FullName) : name.SequenceEqual(s.Utf8Name))
                return s;
        }

        for (int i = 0; i < _all.Count; i++)
        {
            Statistic s = _all[i];
            if (System.Text.Ascii.EqualsIgnoreCase(name, colon >= 0 ? s.Utf8FullName : s.Utf8Name))
                return s;
        }

        return null;
    }

    public Statistic? Find(string name) => Find(System.Text.Encoding.UTF8.GetBytes(name));

    public Statistic? Find(string group, string name)
    {
        foreach (Statistic s in _all)
        {
            if (s.Group == group && s.Name == name)
                return s;
        }

        return null;
    }

    /// <summary>
    /// The statistics an MI request names (OpenSIPS's <c>get_statistics</c> argument): <c>all</c>, a whole group
    /// (<c>core:</c>), one statistic (<c>core:rcv_requests</c> or <c>rcv_requests</c>). Unknown names select nothing.
    /// </summary>
    public List<Statistic> Select(string spec)
    {
        var selected = new List<Statistic>();
        if (spec == "all")
        {
            selected.AddRange(_all);
        }
        else if (spec.EndsWith(':'))
        {
            string group = spec[..^1];
            foreach (Statistic s in _all)
            {
                if (s.Group == group)
                    selected.Add(s);
            }
        }
        else if (Find(spec) is { } one)
        {
            selected.Add(one);
        }

        return selected;
    }
}
