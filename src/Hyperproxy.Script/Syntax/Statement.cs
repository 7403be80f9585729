using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>Base of all statements.</summary>
public abstract class Statement : SyntaxNode
{
    protected Statement(SourceLocation location)
        : base(location)
    {
    }
}
