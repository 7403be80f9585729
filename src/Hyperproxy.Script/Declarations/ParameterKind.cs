namespace Hyperproxy.Script.Declarations;

/// <summary>What a function parameter accepts; the binder checks arguments against it.</summary>
public enum ParameterKind
{
    /// <summary>A constant string (no variable expansion).</summary>
    String,
    /// <summary>An integer: a constant (a quoted number is accepted) or a variable read at run time.</summary>
    Int,
    /// <summary>A string in which <c>$var</c>s are expanded per message, or a variable.</summary>
    Format,
    /// <summary>A writable pseudo-variable (an output parameter).</summary>
    WritableVariable,
    /// <summary>A regular expression: a constant is compiled at start-up, a variable at run time.</summary>
    Regex,
    /// <summary>A flag name or number (<c>setflag(NAT)</c>, <c>setflag("NAT")</c>, <c>setflag(3)</c>).</summary>
    FlagName,
    /// <summary>A branch flag name or number (<c>setbflag(NAT)</c>); separate name space from message flags.</summary>
    BranchFlagName,
    /// <summary>The name of a route block (<see cref="ParameterDeclaration.RouteKind"/>) that must exist.</summary>
    RouteName,
    /// <summary>Anything: constant, variable or expression.</summary>
    Any,
}
