using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Script.Runtime.Variables;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Sip;

namespace Hyperproxy.Script.Runtime;

public sealed partial class ScriptCompiler
{
    private static ScriptValue Constant(LiteralExpression literal) => literal.Kind switch
    {
        LiteralKind.Int => ScriptValue.FromInt(literal.IntValue),
        LiteralKind.String => ScriptValue.FromBytes(Utf8(literal.StringValue!)),
        _ => ScriptValue.Null,
    };

    private ConditionNode CompileCondition(Expression e)
    {
        switch (e)
        {
            case BinaryExpression { Operator: BinaryOperator.And } b:
                return new Conditions.And(CompileCondition(b.Left), CompileCondition(b.Right));
            case BinaryExpression { Operator: BinaryOperator.Or } b:
                return new Conditions.Or(CompileCondition(b.Left), CompileCondition(b.Right));
            case UnaryExpression { Operator: UnaryOperator.Not } u:
                return new Conditions.Not(CompileCondition(u.Operand));
            case BinaryExpression b when IsComparison(b.Operator):
                return CompileComparison(b);
            case CallExpression call:
                return CompileCall(call);
            case LiteralExpression l:
                return new Conditions.Constant(Constant(l).IsTrue);
            default:
                return new Conditions.Truth(CompileValue(e));
        }
    }

    private static bool IsComparison(BinaryOperator op) => op is BinaryOperator.Equal or BinaryOperator.NotEqual or BinaryOperator.Less
        or BinaryOperator.LessEqual or BinaryOperator.Greater or BinaryOperator.GreaterEqual or BinaryOperator.Match or BinaryOperator.NotMatch;

    private ConditionNode CompileComparison(BinaryExpression b)
    {
        bool negate = b.Operator is BinaryOperator.NotEqual or BinaryOperator.NotMatch;
        if (b.Operator is BinaryOperator.Match or BinaryOperator.NotMatch)
        {
            ValueNode subject = CompileValue(b.Left);
            return b.Regex is { } regex
                ? new Conditions.RegexMatch(subject, regex, negate, b.Location)
                : new Conditions.DynamicRegexMatch(subject, CompileValue(b.Right), negate, b.Location);
        }

        if (b.Right is MyselfExpression || b.Left is MyselfExpression)
        {
            Expression subject = b.Right is MyselfExpression ? b.Left : b.Right;
            return subject is PseudoVariableExpression { Declaration.Name: "ru", Transformations.Count: 0 }
                ? new Conditions.RequestUriIsMyself(negate)
                : new Conditions.Myself(CompileValue(subject), negate);
        }

        if (b.Right is AddressExpression || b.Left is AddressExpression)
        {
            var address = (AddressExpression)(b.Right as AddressExpression ?? b.Left);
            Expression other = b.Right is AddressExpression ? b.Left : b.Right;
            ValueNode? value = other is PseudoVariableExpression { Declaration.Name: "si", Transformations.Count: 0 } ? null : CompileValue(other);
            return new Conditions.NetworkMatch(value, address.Address.GetAddressBytes(), address.PrefixLength, negate);
        }

        // $rm == "INVITE": a method compare.
        if (b.Operator is BinaryOperator.Equal or BinaryOperator.NotEqual
            && b.Left is PseudoVariableExpression { Declaration.Name: "rm", Transformations.Count: 0 }
            && b.Right is LiteralExpression { Kind: LiteralKind.String } name)
        {
            SipMethod method = Enum.TryParse(name.StringValue, ignoreCase: true, out SipMethod m) && SipText.IsToken(Utf8(name.StringValue!)) ? m : SipMethod.Unknown;
            return new Conditions.MethodIs(method, Utf8(name.StringValue!), negate);
        }

        return new Conditions.Comparison(CompileValue(b.Left), CompileValue(b.Right), b.Operator);
    }

    private ValueNode CompileValue(Expression e)
    {
        switch (e)
        {
            case LiteralExpression l:
                return new Values.Constant(Constant(l));
            case AddressExpression a:
                return new Values.Constant(ScriptValue.FromBytes(Utf8(a.Text)));
            case NameExpression n:
                return new Values.Constant(ScriptValue.FromBytes(Utf8(n.Name)));
            case PseudoVariableExpression pv:
                return CompileVariable(pv);
            case FormatStringExpression f:
                return CompileFormat(f);
            case CallExpression call:
                return new Values.ConditionValue(CompileCall(call), isCall: true);
            case UnaryExpression u:
                return new Values.Unary(CompileValue(u.Operand), u.Operator);
            case BinaryExpression b when IsComparison(b.Operator) || b.Operator is BinaryOperator.And or BinaryOperator.Or:
                return new Values.ConditionValue(CompileCondition(b), isCall: false);
            case BinaryExpression b:
                return new Values.Arithmetic(CompileValue(b.Left), CompileValue(b.Right), b.Operator, b.Location);
            default:
                Error(e.Location, $"expression {e.GetType().Name} cannot be used as a value");
                return new Values.Constant(ScriptValue.Null);
        }
    }

    private ValueNode CompileFormat(FormatStringExpression f)
    {
        if (f.ConstantText is { } text)
        {
            return new Values.Constant(ScriptValue.FromBytes(Utf8(text)));
        }

        var pieces = new ValueNode[f.Segments.Count];
        for (int i = 0; i < pieces.Length; i++)
        {
            FormatSegment s = f.Segments[i];
            pieces[i] = s.Variable is { } v ? CompileVariable(v) : new Values.Constant(ScriptValue.FromBytes(Utf8(s.Text!)));
        }

        return new Values.Format(pieces);
    }

    private CallNode CompileCall(CallExpression call)
    {
        if (call.IsRouteCall)
        {
            var arguments = new ValueNode[Math.Max(call.Arguments.Count - 1, 0)];
            for (int i = 0; i < arguments.Length; i++)
            {
                arguments[i] = CompileValue(call.Arguments[i + 1]);
            }

            if (call.Route is null)
            {
                Error(call.Location, "route() target is not bound");
                return new FunctionCall((c, a) => -1, new CallArguments([], [], call.Location, _current.DisplayName));
            }

            return new RouteCall(CompileRoute(call.Route), arguments, call.Location);
        }

        var values = new ValueNode[call.Arguments.Count];
        for (int i = 0; i < values.Length; i++)
        {
            Expression a = call.Arguments[i];
            values[i] = a is LiteralExpression or FormatStringExpression or NameExpression or PseudoVariableExpression or CallExpression or BinaryExpression or UnaryExpression or AddressExpression
                ? CompileValue(a)
                : new Values.Constant(ScriptValue.Null);
        }

        object?[] fixedValues = call.FixedArguments.Length == values.Length ? call.FixedArguments : new object?[values.Length];
        Variables.VariableWriter?[]? writers = null;
        if (call.Function is { } declared)
        {
            for (int i = 0; i < values.Length && i < declared.Parameters.Count; i++)
            {
                if (declared.Parameters[i].Kind == ParameterKind.WritableVariable && call.Arguments[i] is PseudoVariableExpression output)
                {
                    writers ??= new Variables.VariableWriter?[values.Length];
                    writers[i] = CompileWriter(output, Variables.VariableWriter.AvpMode.ReplaceAll);
                }
            }
        }

        var args = new CallArguments(values, fixedValues, call.Location, _current.DisplayName, writers);
        if (call.Function?.Body is not { } body)
        {
            Error(call.Location, $"function '{call.Name}' is declared but has no run-time implementation yet");
            return new FunctionCall((c, a) => -1, args);
        }

        args.State = call.Function.Prepare?.Invoke(args);
        return new FunctionCall(body, args);
    }
}
