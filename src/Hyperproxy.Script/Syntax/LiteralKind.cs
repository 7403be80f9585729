namespace Hyperproxy.Script.Syntax;

/// <summary>The type of a constant.</summary>
public enum LiteralKind
{
    Null,
    Int,
    String,
}
