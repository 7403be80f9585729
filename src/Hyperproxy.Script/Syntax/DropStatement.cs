using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary><c>drop;</c> / <c>drop();</c>: stop the script and mark the message dropped.</summary>
public sealed class DropStatement : Statement
{
    public DropStatement(SourceLocation location)
        : base(location)
    {
    }
}
