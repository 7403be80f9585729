using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary><c>{ ... }</c>.</summary>
public sealed class BlockStatement : Statement
{
    public BlockStatement(SourceLocation location, List<Statement> statements)
        : base(location)
    {
        Statements = statements;
    }

    public List<Statement> Statements { get; }
}
