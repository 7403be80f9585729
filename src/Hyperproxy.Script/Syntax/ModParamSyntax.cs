using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary><c>modparam("module", "param", value)</c>; <c>module</c> may be <c>"a|b"</c>.</summary>
public sealed class ModParamSyntax : SyntaxNode
{
    public ModParamSyntax(SourceLocation location, LiteralExpression module, LiteralExpression parameter, LiteralExpression value)
        : base(location)
    {
        Module = module;
        Parameter = parameter;
        Value = value;
    }

    public LiteralExpression Module { get; }

    public LiteralExpression Parameter { get; }

    public LiteralExpression Value { get; }
}
