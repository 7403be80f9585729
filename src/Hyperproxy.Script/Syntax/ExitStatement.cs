using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary><c>exit;</c> / <c>exit();</c>: stop the script.</summary>
public sealed class ExitStatement : Statement
{
    public ExitStatement(SourceLocation location)
        : base(location)
    {
    }
}
