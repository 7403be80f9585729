using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>
/// A function call (<c>sl_send_reply(404, "Not Here")</c>, <c>has_totag()</c>,
/// <c>sl_reply_error</c>) or a sub-route call (<c>route(relay, "x")</c>).
/// </summary>
public sealed class CallExpression : Expression
{
    public CallExpression(SourceLocation location, string name, List<Expression> arguments, bool hasParentheses)
        : base(location)
    {
        Name = name;
        Arguments = arguments;
        HasParentheses = hasParentheses;
    }

    public string Name { get; }

    /// <summary>Arguments; after binding, format strings are <see cref="FormatStringExpression"/>s and constants are folded.</summary>
    public List<Expression> Arguments { get; }

    public bool HasParentheses { get; }

    /// <summary>True for <c>route(name, ...)</c>; then <see cref="Route"/> is set and <see cref="Function"/> is null.</summary>
    public bool IsRouteCall => string.Equals(Name, "route", StringComparison.Ordinal);

    /// <summary>The resolved function (bound tree).</summary>
    public FunctionDeclaration? Function { get; internal set; }

    /// <summary>The called sub-route, for <c>route(...)</c> (bound tree).</summary>
    public RouteDefinition? Route { get; internal set; }

    /// <summary>
    /// Per argument, what the parameter's start-up fix-up produced from a constant (a parsed
    /// socket, a method mask, a compiled regex, a flag number ...), or null (bound tree).
    /// </summary>
    public object?[] FixedArguments { get; internal set; } = [];
}
