using Hyperproxy.Script.Syntax;

namespace Hyperproxy.Script.Binding;

public sealed partial class Binder
{
    private void BindStatements(List<Statement> statements, RouteContext context)
    {
        foreach (var statement in statements)
            BindStatement(statement, context);
    }

    private void BindStatement(Statement statement, RouteContext context)
    {
        switch (statement)
        {
            case BlockStatement block:
                BindStatements(block.Statements, context);
                break;
            case IfStatement s:
                s.Condition = BindExpression(s.Condition, context);
                BindStatement(s.Then, context);
                if (s.Else is not null)
                    BindStatement(s.Else, context);
                break;
            case WhileStatement s:
                s.Condition = BindExpression(s.Condition, context);
                context.BreakableDepth++;
                BindStatement(s.Body, context);
                context.BreakableDepth--;
                break;
            case ForEachStatement s:
                BindForEach(s, context);
                break;
            case SwitchStatement s:
                BindSwitch(s, context);
                break;
            case BreakStatement s:
                if (context.BreakableDepth == 0)
                    _diagnostics.Report(s.Location, "break outside a switch case or a loop");
                break;
            case ReturnStatement s:
                for (int i = 0; i < s.Values.Count; i++)
                    s.Values[i] = BindExpression(s.Values[i], context);
                break;
            case AssignmentStatement s:
                BindAssignment(s, context);
                break;
            case ExpressionStatement s:
                BindCall(s.Call, context);
                break;
            case ExitStatement or DropStatement:
                break;
        }
    }

    private void BindForEach(ForEachStatement s, RouteContext context)
    {
        BindVariable(s.Variable, context, write: true);
        BindVariable(s.Source, context, write: false);
        if (s.Source.Declaration is { } source
            && (source.Name is not ("avp" or "hdr") || s.Source.IndexKind != PseudoVariableIndexKind.All || s.Source.Transformations.Count > 0))
        {
            _diagnostics.Report(s.Source.Location,
                $"for ... in needs all values of an $avp or $hdr: $(avp(name)[*]) or $(hdr(Name)[*]), not '{s.Source.Syntax.Text}'");
        }

        context.BreakableDepth++;
        BindStatement(s.Body, context);
        context.BreakableDepth--;
    }

    private void BindSwitch(SwitchStatement s, RouteContext context)
    {
        s.Subject = BindExpression(s.Subject, context);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        context.BreakableDepth++;
        foreach (var c in s.Cases)
        {
            if (c.Value is { } value && !seen.Add((value.Kind == LiteralKind.Int ? "i:" : "s:") + value))
                _diagnostics.Report(c.Location, $"duplicate case '{value}' in switch");
            BindStatements(c.Statements, context);
        }

        context.BreakableDepth--;
    }

    private void BindAssignment(AssignmentStatement s, RouteContext context)
    {
        BindVariable(s.Target, context, write: true);
        s.Value = BindExpression(s.Value, context);
        if (s.Value is LiteralExpression { Kind: LiteralKind.Null } && s.Operator is not (AssignmentOperator.Assign or AssignmentOperator.AssignReplace))
            _diagnostics.Report(s.Value.Location, "NULL can only be assigned with = or :=");
        if (s.Operator == AssignmentOperator.AssignReplace && s.Target.Declaration is { Name: not "avp" })
            _diagnostics.Report(s.Location, "':=' is only for $avp(...); use '='");
    }
}
