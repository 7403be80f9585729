using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>
/// A node of the script tree. The parser builds it; the binder fills in the resolved
/// declarations, folds constants and precompiles regexes in place, so the tree the
/// loader returns is the bound tree the compiler turns into delegates.
/// </summary>
public abstract class SyntaxNode
{
    protected SyntaxNode(SourceLocation location)
    {
        Location = location;
    }

    public SourceLocation Location { get; }
}
