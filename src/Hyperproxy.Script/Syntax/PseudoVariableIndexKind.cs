namespace Hyperproxy.Script.Syntax;

public enum PseudoVariableIndexKind
{
    /// <summary>No index: the first (or for AVPs, last-added) value.</summary>
    None,
    /// <summary><c>[N]</c>.</summary>
    Number,
    /// <summary><c>[*]</c>: all values.</summary>
    All,
}
