using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Lexing;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Binding;

public sealed partial class Binder
{
    /// <summary>Binds an expression and returns it, or the literal it folds to.</summary>
    private Expression BindExpression(Expression expression, RouteContext context)
    {
        switch (expression)
        {
            case LiteralExpression or AddressExpression:
                return expression;
            case PseudoVariableExpression pv:
                BindVariable(pv, context, write: false);
                return pv;
            case NameExpression name:
                return LiteralExpression.String(name.Location, name.Name);
            case MyselfExpression:
                _diagnostics.Report(expression.Location, "'myself' can only be compared with == or !=");
                return expression;
            case CallExpression call:
                BindCall(call, context);
                return call;
            case UnaryExpression u:
                u.Operand = BindExpression(u.Operand, context);
                return FoldUnary(u);
            case BinaryExpression b:
                return BindBinary(b, context);
            default:
                return expression;
        }
    }

    private Expression BindBinary(BinaryExpression b, RouteContext context)
    {
        bool equality = b.Operator is BinaryOperator.Equal or BinaryOperator.NotEqual;
        if (equality && b.Right is MyselfExpression && b.Left is not MyselfExpression)
        {
            b.Left = BindExpression(b.Left, context);
            return b;
        }

        if (equality && b.Left is MyselfExpression && b.Right is not MyselfExpression)
        {
            b.Right = BindExpression(b.Right, context);
            return b;
        }

        b.Left = BindExpression(b.Left, context);
        b.Right = BindExpression(b.Right, context);
        if (b.Operator is BinaryOperator.Match or BinaryOperator.NotMatch)
        {
            BindRegexOperand(b);
            return b;
        }

        if (b.Left is AddressExpression || b.Right is AddressExpression)
        {
            if (!equality)
                _diagnostics.Report(b.Location, "an IP address or network can only be compared with == or !=");
            return b;
        }

        return FoldBinary(b);
    }

    private void BindRegexOperand(BinaryExpression b)
    {
        switch (b.Right)
        {
            case LiteralExpression { Kind: LiteralKind.String } pattern:
                if (ScriptRegex.TryCreate(pattern.StringValue!, out var regex, out string? error))
                    b.Regex = regex;
                else
                    _diagnostics.Report(pattern.Location, $"bad regular expression \"{pattern.StringValue}\": {error}");
                break;
            case PseudoVariableExpression:
                break; // compiled per message
            default:
                _diagnostics.Report(b.Right.Location, "the right side of =~ / !~ must be a string or a variable");
                break;
        }
    }

    private Expression FoldUnary(UnaryExpression u)
    {
        if (u.Operand is LiteralExpression { Kind: LiteralKind.Int } c)
        {
            switch (u.Operator)
            {
                case UnaryOperator.Negate:
                    return LiteralExpression.Int(u.Location, unchecked(-c.IntValue));
                case UnaryOperator.BitwiseNot:
                    return LiteralExpression.Int(u.Location, ~c.IntValue);
            }
        }

        return u;
    }

    private Expression FoldBinary(BinaryExpression b)
    {
        if (b.Left is LiteralExpression { Kind: LiteralKind.String } ls && b.Right is LiteralExpression { Kind: LiteralKind.String } rs &&
            b.Operator == BinaryOperator.Add)
        {
            return LiteralExpression.String(ls.Location, ls.StringValue + rs.StringValue);
        }

        if (b.Left is not LiteralExpression { Kind: LiteralKind.Int } l || b.Right is not LiteralExpression { Kind: LiteralKind.Int } r)
            return b;

        int x = l.IntValue;
        int y = r.IntValue;
        if (y == 0 && b.Operator is BinaryOperator.Divide or BinaryOperator.Modulo)
        {
            _diagnostics.Report(b.Location, "division by zero");
            return b;
        }

        int? value = b.Operator switch
        {
            BinaryOperator.Add => unchecked(x + y),
            BinaryOperator.Subtract => unchecked(x - y),
            BinaryOperator.Multiply => unchecked(x * y),
            BinaryOperator.Divide => unchecked(x / y),
            BinaryOperator.Modulo => unchecked(x % y),
            BinaryOperator.BitwiseAnd => x & y,
            BinaryOperator.BitwiseOr => x | y,
            BinaryOperator.BitwiseXor => x ^ y,
            BinaryOperator.ShiftLeft => x << y,
            BinaryOperator.ShiftRight => x >> y,
            _ => null,
        };
        return value is { } v ? LiteralExpression.Int(l.Location, v) : b;
    }

    /// <summary>Resolves a pseudo-variable and checks its argument, index, transformations and access.</summary>
    private void BindVariable(PseudoVariableExpression pv, RouteContext context, bool write)
    {
        var syntax = pv.Syntax;
        if (!_variables.TryGet(syntax.Name, out var declaration))
        {
            _diagnostics.Report(pv.Location, pv.LegacyKeyword is { } k
                ? $"legacy keyword '{k}' needs pseudo-variable '${syntax.Name}', which is not registered"
                : $"unknown pseudo-variable '${syntax.Name}'");
            return;
        }

        pv.Declaration = declaration;
        string display = "$" + syntax.Name;
        if (syntax.Argument is null && declaration.Argument == PseudoVariableArgument.Required)
            _diagnostics.Report(pv.Location, $"pseudo-variable '{display}' needs an argument: {display}(...)");
        else if (syntax.Argument is not null && declaration.Argument == PseudoVariableArgument.None)
            _diagnostics.Report(pv.Location, $"pseudo-variable '{display}' takes no argument");
        else if (syntax.Argument is { } arg)
        {
            if (arg.Length == 0)
                _diagnostics.Report(pv.Location, $"pseudo-variable '{display}' has an empty argument");
            else if (declaration.ValidateArgument?.Invoke(arg) is { } argError)
                _diagnostics.Report(pv.Location, $"{display}({arg}): {argError}");
        }

        BindIndex(pv, declaration, display);
        BindTransformations(pv, context, write);

        if (write && !declaration.Writable)
            _diagnostics.Report(pv.Location, $"pseudo-variable '{display}' is read-only");
        if (!write && !declaration.Readable)
            _diagnostics.Report(pv.Location, $"pseudo-variable '{display}' cannot be read");
        if (declaration.AllowedRoutes != RouteTypes.All)
            _routeChecks.Add((pv, $"pseudo-variable '{display}'", declaration.AllowedRoutes, context.Route));
    }

    private void BindIndex(PseudoVariableExpression pv, PseudoVariableDeclaration declaration, string display)
    {
        string? index = pv.Syntax.Index;
        if (index is null)
            return;
        if (!declaration.Indexable)
        {
            _diagnostics.Report(pv.Location, $"pseudo-variable '{display}' cannot be indexed");
            return;
        }

        if (index == "*")
        {
            pv.IndexKind = PseudoVariableIndexKind.All;
        }
        else if (int.TryParse(index, out int n))
        {
            pv.IndexKind = PseudoVariableIndexKind.Number;
            pv.IndexValue = n;
        }
        else
        {
            _diagnostics.Report(pv.Location, $"bad index '[{index}]' of '{display}' (a number, -1 for the last, or *)");
        }
    }

    private void BindTransformations(PseudoVariableExpression pv, RouteContext context, bool write)
    {
        if (pv.Syntax.Transformations.Count == 0)
            return;
        if (write)
            _diagnostics.Report(pv.Location, "cannot assign to a pseudo-variable with transformations");
        var bound = new List<BoundTransformation>();
        foreach (var t in pv.Syntax.Transformations)
        {
            if (!_variables.TryGetTransformation(t.Name, out var declaration))
            {
                _diagnostics.Report(t.Location, $"unknown transformation '{{{t.Name}}}'");
                continue;
            }

            if (t.Arguments.Count < declaration.MinArguments || t.Arguments.Count > declaration.MaxArguments)
            {
                _diagnostics.Report(t.Location, $"transformation '{{{t.Name}}}' takes {DescribeCount(declaration.MinArguments, declaration.MaxArguments)}, got {t.Arguments.Count}");
                continue;
            }

            bound.Add(new BoundTransformation(declaration, t.Arguments, BindTransformationArguments(t, context)));
        }

        pv.Transformations = bound;
    }

    /// <summary>An argument starting with '$' must be exactly one pseudo-variable, read per message.</summary>
    private PseudoVariableExpression?[] BindTransformationArguments(TransformationSyntax t, RouteContext context)
    {
        var variables = new PseudoVariableExpression?[t.Arguments.Count];
        for (int i = 0; i < variables.Length; i++)
        {
            string text = t.Arguments[i];
            if (text.Length < 2 || text[0] != '$' || text[1] == '$')
                continue;
            if (!PseudoVariableReader.TryRead(text, 0, t.Location, out var syntax, out int end, out string? error))
            {
                _diagnostics.Report(t.Location, $"transformation '{{{t.Name}}}' argument {i + 1}: {error}");
                continue;
            }

            if (end != text.Length)
            {
                _diagnostics.Report(t.Location, $"transformation '{{{t.Name}}}' argument {i + 1} ('{text}') must be a constant or one pseudo-variable");
                continue;
            }

            var pv = new PseudoVariableExpression(t.Location, syntax!);
            BindVariable(pv, context, write: false);
            variables[i] = pv;
        }

        return variables;
    }

    /// <summary>Splits a format string into text and bound variables (<c>$$</c> is a literal <c>$</c>).</summary>
    private FormatStringExpression BindFormat(LiteralExpression literal, RouteContext context)
    {
        string text = literal.ToString();
        var segments = new List<FormatSegment>();
        var pending = new System.Text.StringBuilder();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c != '$')
            {
                pending.Append(c);
                i++;
                continue;
            }

            if (i + 1 < text.Length && text[i + 1] == '$')
            {
                pending.Append('$');
                i += 2;
                continue;
            }

            var location = literal.Location with { Column = literal.Location.Column + 1 + i };
            if (!PseudoVariableReader.TryRead(text, i, location, out var syntax, out int end, out string? error))
            {
                _diagnostics.Report(location, error!);
                pending.Append(text, i, Math.Max(1, end - i));
                i = Math.Max(end, i + 1);
                continue;
            }

            if (pending.Length > 0)
            {
                segments.Add(new FormatSegment(pending.ToString(), null));
                pending.Clear();
            }

            var pv = new PseudoVariableExpression(location, syntax!);
            BindVariable(pv, context, write: false);
            segments.Add(new FormatSegment(null, pv));
            i = end;
        }

        if (pending.Length > 0)
            segments.Add(new FormatSegment(pending.ToString(), null));
        return new FormatStringExpression(literal.Location, text, segments);
    }

    private static string DescribeCount(int min, int max) => (min, max) switch
    {
        (0, 0) => "no arguments",
        _ when min == max => min == 1 ? "1 argument" : $"{min} arguments",
        _ => $"{min} to {max} arguments",
    };
}
