namespace Hyperproxy.Sip;

/// <summary>A byte range inside a message (or inside the span a value was parsed from).</summary>
public readonly record struct TextRange(int Start, int Length)
{
    public static readonly TextRange Empty = default;

    public int End => Start + Length;

    public bool IsEmpty => Length == 0;

    /// <summary>True when the item was present (a range with Start &gt;= 0). Absent items are <see cref="None"/>.</summary>
    public bool IsPresent => Start >= 0;

    /// <summary>Marks an absent item (a flag parameter such as <c>lr</c> is present with an empty range).</summary>
    public static readonly TextRange None = new(-1, 0);

    public TextRange Offset(int delta) => Start < 0 ? this : new TextRange(Start + delta, Length);

    public static TextRange FromBounds(int start, int end) => new(start, end - start);
}
