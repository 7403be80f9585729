using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>A route block: <c>route{}</c>, <c>route[name]{}</c>, <c>failure_route[name]{}</c>, ...</summary>
public sealed class RouteDefinition : SyntaxNode
{
    public RouteDefinition(SourceLocation location, RouteTypes kind, string name, int timerInterval, BlockStatement body)
        : base(location)
    {
        Kind = kind;
        Name = name;
        TimerInterval = timerInterval;
        Body = body;
    }

    /// <summary>
    /// Exactly one flag: <see cref="RouteTypes.Request"/> for <c>route</c> blocks (main or named),
    /// <see cref="RouteTypes.OnReply"/>, <see cref="RouteTypes.Failure"/>, ...
    /// </summary>
    public RouteTypes Kind { get; }

    /// <summary>The name; empty for a main block (<c>route{}</c>, <c>route[0]</c>, <c>onreply_route{}</c>, <c>error_route{}</c>).</summary>
    public string Name { get; }

    public bool IsMain => Name.Length == 0;

    /// <summary>Seconds between runs of a <c>timer_route</c>; 0 otherwise.</summary>
    public int TimerInterval { get; }

    public BlockStatement Body { get; }

    /// <summary>
    /// Bound tree: the route types this block runs in. For a main or armed block, its own
    /// kind; for a <c>route[name]</c>, the kinds of every block that reaches it through
    /// <c>route()</c> calls (none if never called).
    /// </summary>
    public RouteTypes ReachableFrom { get; internal set; }

    /// <summary>"route[relay]", "failure_route[missed]", "route", "onreply_route".</summary>
    public string DisplayName => IsMain ? KeywordOf(Kind) : $"{KeywordOf(Kind)}[{Name}]";

    /// <summary>The script keyword that opens a block of the given kind.</summary>
    public static string KeywordOf(RouteTypes kind) => kind switch
    {
        RouteTypes.Request => "route",
        RouteTypes.Branch => "branch_route",
        RouteTypes.Failure => "failure_route",
        RouteTypes.OnReply => "onreply_route",
        RouteTypes.Error => "error_route",
        RouteTypes.Local => "local_route",
        RouteTypes.Startup => "startup_route",
        RouteTypes.Timer => "timer_route",
        RouteTypes.Event => "event_route",
        _ => kind.ToString(),
    };
}
