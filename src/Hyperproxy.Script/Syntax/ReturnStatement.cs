using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>
/// <c>return;</c> (= <c>return(1)</c>), <c>return(code)</c>, <c>return code</c>,
/// <c>return(code, v1, ...)</c>. <c>return(0)</c> stops the whole script.
/// </summary>
public sealed class ReturnStatement : Statement
{
    public ReturnStatement(SourceLocation location, List<Expression> values)
        : base(location)
    {
        Values = values;
    }

    /// <summary>Empty for a bare <c>return</c>; else the code then the extra values (<c>$return(i)</c>).</summary>
    public List<Expression> Values { get; }
}
