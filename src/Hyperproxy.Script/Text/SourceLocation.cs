namespace Hyperproxy.Script.Text;

/// <summary>A position in a script file: 1-based line and column (a tab counts as one column).</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    /// <summary>Formats as <c>file:line:column</c>, the prefix of every config error.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}";
}
