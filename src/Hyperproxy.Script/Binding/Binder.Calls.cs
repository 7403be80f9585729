using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Syntax;

namespace Hyperproxy.Script.Binding;

public sealed partial class Binder
{
    private void BindCall(CallExpression call, RouteContext context)
    {
        if (call.IsRouteCall)
        {
            BindRouteCall(call, context);
            return;
        }

        if (!_functions.TryGetFunction(call.Name, out var function))
        {
            _diagnostics.Report(call.Location, $"unknown function '{call.Name}'");
            BindArgumentsLoosely(call, context);
            return;
        }

        call.Function = function;
        if (function.Module != FunctionRegistry.CoreModuleName && !IsLoaded(function.Module))
            _diagnostics.Report(call.Location, $"function '{call.Name}' needs module '{function.Module}' (add loadmodule \"{function.Module}.so\")");
        if (function.Name == "forward")
            _usesForward = true;

        int count = call.Arguments.Count;
        if (count < function.MinArguments || count > function.MaxArguments)
        {
            _diagnostics.Report(call.Location, $"function '{call.Name}' takes {DescribeCount(function.MinArguments, function.MaxArguments)}, got {count}");
            BindArgumentsLoosely(call, context);
            return;
        }

        call.FixedArguments = new object?[count];
        for (int i = 0; i < count; i++)
            call.Arguments[i] = BindArgument(call, i, function.Parameters[i], context);

        if (function.CallCheck?.Invoke(call) is { } error)
            _diagnostics.Report(call.Location, $"{call.Name}: {error}");
        if (function.AllowedRoutes != RouteTypes.All)
            _routeChecks.Add((call, $"function '{call.Name}'", function.AllowedRoutes, context.Route));
    }

    private bool IsLoaded(string module)
    {
        foreach (var m in _loaded)
        {
            if (m.Name == module)
                return true;
        }

        return false;
    }

    /// <summary>Binds arguments of a call that could not be resolved, to still report their own errors.</summary>
    private void BindArgumentsLoosely(CallExpression call, RouteContext context)
    {
        for (int i = 0; i < call.Arguments.Count; i++)
        {
            if (call.Arguments[i] is not NameExpression)
                call.Arguments[i] = BindExpression(call.Arguments[i], context);
        }
    }

    private void BindRouteCall(CallExpression call, RouteContext context)
    {
        if (call.Arguments.Count == 0)
        {
            _diagnostics.Report(call.Location, "route() needs a route name: route(name[, args...])");
            return;
        }

        string? name = ConstantName(call.Arguments[0]);
        if (name is null)
        {
            _diagnostics.Report(call.Arguments[0].Location, "route() needs a constant route name");
        }
        else if (!_routes.TryGetValue((RouteTypes.Request, name), out var target) || target.IsMain)
        {
            _diagnostics.Report(call.Arguments[0].Location, $"unknown route '{name}' (no route[{name}] block)");
        }
        else
        {
            call.Route = target;
            _calls.Add((context.Route, target));
        }

        call.Arguments[0] = call.Arguments[0] is LiteralExpression ? call.Arguments[0] : LiteralExpression.String(call.Arguments[0].Location, name ?? string.Empty);
        for (int i = 1; i < call.Arguments.Count; i++)
            call.Arguments[i] = BindExpression(call.Arguments[i], context);
    }

    private static string? ConstantName(Expression e) => e switch
    {
        NameExpression n => n.Name,
        LiteralExpression { Kind: LiteralKind.String } s => s.StringValue,
        LiteralExpression { Kind: LiteralKind.Int } i => i.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    private Expression BindArgument(CallExpression call, int index, ParameterDeclaration parameter, RouteContext context)
    {
        var argument = call.Arguments[index];
        string where = $"argument {index + 1} of {call.Name}";
        switch (parameter.Kind)
        {
            case ParameterKind.Int:
            {
                var bound = argument is NameExpression ? argument : BindExpression(argument, context);
                if (bound is LiteralExpression { Kind: LiteralKind.String } s)
                {
                    if (int.TryParse(s.StringValue, out int n))
                        bound = LiteralExpression.Int(s.Location, n);
                    else if (s.StringValue!.Contains('$'))
                        return BindFormat(s, context);
                }

                if (bound is LiteralExpression { Kind: LiteralKind.Int } c)
                    RunFixup(call, index, parameter, c, where);
                else if (bound is NameExpression or LiteralExpression or AddressExpression)
                    _diagnostics.Report(argument.Location, $"{where} must be a number");
                return bound;
            }

            case ParameterKind.String:
            {
                LiteralExpression? c = argument switch
                {
                    LiteralExpression { Kind: LiteralKind.String } s => s,
                    LiteralExpression { Kind: LiteralKind.Int } i => LiteralExpression.String(i.Location, i.ToString()),
                    NameExpression n => LiteralExpression.String(n.Location, n.Name),
                    _ => null,
                };
                if (c is null)
                {
                    _diagnostics.Report(argument.Location, $"{where} must be a constant string");
                    return BindExpression(argument, context);
                }

                RunFixup(call, index, parameter, c, where);
                return c;
            }

            case ParameterKind.Format:
            {
                LiteralExpression? c = argument switch
                {
                    LiteralExpression { Kind: LiteralKind.String } s => s,
                    LiteralExpression { Kind: LiteralKind.Int } i => LiteralExpression.String(i.Location, i.ToString()),
                    NameExpression n => LiteralExpression.String(n.Location, n.Name),
                    _ => null,
                };
                if (c is null)
                    return BindExpression(argument, context);
                var format = BindFormat(c, context);
                if (format.ConstantText is { } constant)
                    RunFixup(call, index, parameter, LiteralExpression.String(c.Location, constant), where);
                return format;
            }

            case ParameterKind.WritableVariable:
                if (argument is PseudoVariableExpression pv)
                {
                    BindVariable(pv, context, write: true);
                    return pv;
                }

                _diagnostics.Report(argument.Location, $"{where} must be a writable pseudo-variable");
                return argument;

            case ParameterKind.Regex:
                if (argument is LiteralExpression { Kind: LiteralKind.String } pattern)
                {
                    if (ScriptRegex.TryCreate(pattern.StringValue!, out var regex, out string? error))
                        call.FixedArguments[index] = regex;
                    else
                        _diagnostics.Report(pattern.Location, $"bad regular expression \"{pattern.StringValue}\": {error}");
                    return pattern;
                }

                if (argument is PseudoVariableExpression)
                    return BindExpression(argument, context);
                _diagnostics.Report(argument.Location, $"{where} must be a regular expression (a string or a variable)");
                return argument;

            case ParameterKind.FlagName:
            case ParameterKind.BranchFlagName:
                return BindFlag(call, index, parameter.Kind == ParameterKind.BranchFlagName, where);

            case ParameterKind.RouteName:
            {
                string? name = ConstantName(argument);
                if (name is null)
                {
                    _diagnostics.Report(argument.Location, $"{where} must be a route name");
                    return argument;
                }

                if (_routes.TryGetValue((parameter.RouteKind, name), out var route))
                    call.FixedArguments[index] = route;
                else
                    _diagnostics.Report(argument.Location, $"unknown {RouteDefinition.KeywordOf(parameter.RouteKind)} '{name}'");
                return LiteralExpression.String(argument.Location, name);
            }

            default:
                return argument is NameExpression ? LiteralExpression.String(argument.Location, ((NameExpression)argument).Name) : BindExpression(argument, context);
        }
    }

    private Expression BindFlag(CallExpression call, int index, bool branch, string where)
    {
        var argument = call.Arguments[index];
        string kind = branch ? "branch flag" : "flag";
        switch (argument)
        {
            case LiteralExpression { Kind: LiteralKind.Int } n:
                if (n.IntValue is < 0 or >= FlagCount)
                    _diagnostics.Report(n.Location, $"{kind} number {n.IntValue} is out of range (0..{FlagCount - 1})");
                else
                    call.FixedArguments[index] = n.IntValue;
                return n;
            case LiteralExpression { Kind: LiteralKind.String } or NameExpression:
            {
                string name = argument is NameExpression ne ? ne.Name : ((LiteralExpression)argument).StringValue!;
                if (name.Length == 0)
                {
                    _diagnostics.Report(argument.Location, $"empty {kind} name");
                    return argument;
                }

                int bit = AllocateFlag(branch ? _branchFlags : _messageFlags, name, argument.Location, kind);
                if (bit >= 0)
                    call.FixedArguments[index] = bit;
                return LiteralExpression.String(argument.Location, name);
            }

            default:
                _diagnostics.Report(argument.Location, $"{where} must be a {kind} name or number");
                return argument;
        }
    }

    private void RunFixup(CallExpression call, int index, ParameterDeclaration parameter, LiteralExpression constant, string where)
    {
        if (parameter.Fixup is null)
        {
            call.FixedArguments[index] = constant.Kind == LiteralKind.Int ? constant.IntValue : constant.StringValue;
            return;
        }

        var result = parameter.Fixup(constant);
        if (result.IsError)
            _diagnostics.Report(constant.Location, $"bad {where}: {result.Error}");
        else
            call.FixedArguments[index] = result.Value;
    }
}
