using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary><c>switch (expr) { case ...: ... default: ... }</c>.</summary>
public sealed class SwitchStatement : Statement
{
    public SwitchStatement(SourceLocation location, Expression subject, List<SwitchCase> cases)
        : base(location)
    {
        Subject = subject;
        Cases = cases;
    }

    public Expression Subject { get; internal set; }

    /// <summary>Cases in source order (the default, if any, among them).</summary>
    public List<SwitchCase> Cases { get; }
}
