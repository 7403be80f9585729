using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>
/// A bare identifier used as a function argument: a flag name (<c>setflag(NAT)</c>) or a
/// route name (<c>route(relay)</c>). Elsewhere a bare identifier is a call without parentheses.
/// </summary>
public sealed class NameExpression : Expression
{
    public NameExpression(SourceLocation location, string name)
        : base(location)
    {
        Name = name;
    }

    public string Name { get; }
}
