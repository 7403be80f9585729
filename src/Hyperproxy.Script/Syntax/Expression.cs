using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>Base of all expressions.</summary>
public abstract class Expression : SyntaxNode
{
    protected Expression(SourceLocation location)
        : base(location)
    {
    }
}
