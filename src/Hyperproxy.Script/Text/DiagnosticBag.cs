namespace Hyperproxy.Script.Text;

/// <summary>
/// Collects start-up errors up to a bound and hands them back sorted by position
/// (files in the order they were first read, then line, then column).
/// </summary>
public sealed class DiagnosticBag
{
    /// <summary>Default cap on reported errors; one more note says how many were left off.</summary>
    public const int DefaultLimit = 100;

    private readonly List<ScriptDiagnostic> _items = new();
    private readonly Dictionary<string, int> _fileOrder = new(StringComparer.Ordinal);
    private readonly int _limit;
    private int _dropped;

    public DiagnosticBag(int limit = DefaultLimit)
    {
        _limit = limit;
    }

    public int Count => _items.Count + _dropped;

    public bool HasErrors => Count > 0;

    /// <summary>Registers a file so that its errors sort after those of files read earlier.</summary>
    public void AddFile(string file)
    {
        _fileOrder.TryAdd(file, _fileOrder.Count);
    }

    public void Report(SourceLocation location, string message)
    {
        AddFile(location.File);
        if (_items.Count >= _limit)
        {
            _dropped++;
            return;
        }

        _items.Add(new ScriptDiagnostic(location, message));
    }

    /// <summary>Warnings: what start-up goes on without (in the order found); they never stop it.</summary>
    public List<ScriptDiagnostic> Warnings { get; } = new();

    public void ReportWarning(SourceLocation location, string message) => Warnings.Add(new ScriptDiagnostic(location, message));

    /// <summary>All errors, sorted by position; a final note if some were left off.</summary>
    public IReadOnlyList<ScriptDiagnostic> ToSortedList()
    {
        var list = new List<ScriptDiagnostic>(_items);
        // Stable: errors at the same position keep the order they were found in.
        var order = new Dictionary<ScriptDiagnostic, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _items.Count; i++)
            order[_items[i]] = i;
        list.Sort((a, b) =>
        {
            int c = Compare(a, b);
            return c != 0 ? c : order[a].CompareTo(order[b]);
        });
        if (_dropped > 0 && list.Count > 0)
        {
            list.Add(new ScriptDiagnostic(list[^1].Location, $"{_dropped} more error(s) not shown"));
        }

        return list;
    }

    private int Compare(ScriptDiagnostic a, ScriptDiagnostic b)
    {
        int c = FileRank(a.Location.File).CompareTo(FileRank(b.Location.File));
        if (c != 0)
            return c;
        c = a.Location.Line.CompareTo(b.Location.Line);
        return c != 0 ? c : a.Location.Column.CompareTo(b.Location.Column);
    }

    private int FileRank(string file) => _fileOrder.TryGetValue(file, out int rank) ? rank : int.MaxValue;
}
