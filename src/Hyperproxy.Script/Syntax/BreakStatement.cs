using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary><c>break;</c> inside a <c>switch</c> case or a <c>while</c>.</summary>
public sealed class BreakStatement : Statement
{
    public BreakStatement(SourceLocation location)
        : base(location)
    {
    }
}
