using System.Linq.Expressions;
using System.Reflection;
using Hyperproxy.Script.Runtime.Nodes;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// Turns a route's node tree into one delegate: the control flow (blocks, if/else, while, switch, &amp;&amp; || !, function
/// calls and their truth rule) becomes straight-line code in a single method the JIT compiles at start-up, and module
/// functions are called directly instead of through their delegates. Nodes that do their own work (comparisons,
/// variables, assignments, route calls, ...) are called as they are. What the tree did per message — a virtual call
/// per node, a delegate call per function — is what this removes; the semantics stay those of the nodes
/// (<see cref="Statements"/>, <see cref="Conditions"/>), which are also the fallback when a tree cannot be emitted.
/// </summary>
internal sealed class RouteEmitter
{
    private const BindingFlags Members = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    private static readonly MethodInfo s_execute = typeof(StatementNode).GetMethod(nameof(StatementNode.Execute))!;
    private static readonly MethodInfo s_test = typeof(ConditionNode).GetMethod(nameof(ConditionNode.Test))!;
    private static readonly MethodInfo s_invoke = typeof(CallNode).GetMethod(nameof(CallNode.Invoke))!;
    private static readonly MethodInfo s_switchStart = typeof(Statements.Switch).GetMethod("Start", Members)!;
    private static readonly MethodInfo s_release = typeof(ScriptContext).GetMethod(nameof(ScriptContext.ArenaRelease), Members)!;
    private static readonly MethodInfo s_runtimeError = typeof(ScriptContext).GetMethod(nameof(ScriptContext.RuntimeError), Members)!;
    private static readonly PropertyInfo s_mark = typeof(ScriptContext).GetProperty(nameof(ScriptContext.ArenaMark), Members)!;
    private static readonly PropertyInfo s_retCode = typeof(ScriptContext).GetProperty(nameof(ScriptContext.RetCode), Members)!;

    private static readonly Expression s_next = Expression.Constant((int)Flow.Next);
    private static readonly Expression s_break = Expression.Constant((int)Flow.Break);
    private static readonly Expression s_exit = Expression.Constant((int)Flow.Exit);
    private static readonly Expression s_zero = Expression.Constant(0);

    private readonly ParameterExpression _context = Expression.Parameter(typeof(ScriptContext), "context");

    private RouteEmitter()
    {
    }

    /// <summary>The body as one compiled method returning its <see cref="Flow"/>.</summary>
    public static Func<ScriptContext, Flow> Emit(StatementNode body)
    {
        var emitter = new RouteEmitter();
        Expression flow = Expression.Convert(emitter.Statement(body), typeof(Flow));
        return Expression.Lambda<Func<ScriptContext, Flow>>(flow, "route", [emitter._context]).Compile();
    }

    /// <summary>A statement as an <see cref="int"/>-typed <see cref="Flow"/> (enums have no == in expression trees).</summary>
    private Expression Statement(StatementNode node) => node switch
    {
        Statements.Block b => Block(b.Children),
        Statements.If i => If(i),
        Statements.While w => While(w),
        Statements.Switch s => Switch(s),
        Statements.Call c => CallStatement(c.Target),
        Statements.Exit => s_exit,
        Statements.Break => s_break,
        _ => Expression.Convert(Expression.Call(Expression.Constant(node), s_execute, _context), typeof(int)),
    };

    /// <summary>Runs the statements in order; the first that does not end with Next ends the block with its flow.</summary>
    private Expression Block(StatementNode[] statements)
    {
        LabelTarget end = Expression.Label(typeof(int), "blockEnd");
        ParameterExpression flow = Expression.Variable(typeof(int), "flow");
        var body = new List<Expression>(statements.Length * 2 + 1);
        foreach (StatementNode s in statements)
        {
            Expression e = Statement(s);
            if (e is ConstantExpression)
            {
                // exit; break; — nothing after it runs.
                body.Add(Expression.Return(end, e));
                break;
            }

            body.Add(Expression.Assign(flow, e));
            body.Add(Expression.IfThen(Expression.NotEqual(flow, s_next), Expression.Return(end, flow)));
        }

        body.Add(Expression.Label(end, s_next));
        return Expression.Block(typeof(int), [flow], body);
    }

    /// <summary>
    /// if: the arena scratch of the condition is released before a branch runs; a condition that returned 0 (a
    /// function or route saying "stop") ends the script.
    /// </summary>
    private Expression If(Statements.If node)
    {
        ParameterExpression mark = Expression.Variable(typeof(int), "mark");
        ParameterExpression test = Expression.Variable(typeof(int), "test");
        Expression otherwise = Expression.Condition(Expression.Equal(test, s_zero), s_exit, node.Else is null ? s_next : Statement(node.Else));
        return Expression.Block(typeof(int), [mark, test],
            Expression.Assign(mark, Expression.Property(_context, s_mark)),
            Expression.Assign(test, Condition(node.Condition)),
            Expression.Call(_context, s_release, mark),
            Expression.Condition(Expression.GreaterThan(test, s_zero), Statement(node.Then), otherwise));
    }

    private Expression While(Statements.While node)
    {
        ParameterExpression round = Expression.Variable(typeof(int), "round");
        ParameterExpression mark = Expression.Variable(typeof(int), "mark");
        ParameterExpression test = Expression.Variable(typeof(int), "test");
        ParameterExpression flow = Expression.Variable(typeof(int), "flow");
        LabelTarget end = Expression.Label(typeof(int), "whileEnd");
        Expression loop = Expression.Loop(Expression.Block(
            Expression.Assign(mark, Expression.Property(_context, s_mark)),
            Expression.Assign(test, Condition(node.Condition)),
            Expression.Call(_context, s_release, mark),
            Expression.IfThen(Expression.Equal(test, s_zero), Expression.Return(end, s_exit)),
            Expression.IfThen(Expression.LessThan(test, s_zero), Expression.Return(end, s_next)),
            Expression.IfThen(Expression.GreaterThanOrEqual(round, Expression.Constant(node.MaxLoops)), Expression.Block(
                Expression.Call(_context, s_runtimeError, Expression.Constant(node.Location), Expression.Constant(Statements.While.TooManyRounds)),
                Expression.Return(end, s_next))),
            Expression.Assign(flow, Statement(node.Body)),
            Expression.IfThen(Expression.Equal(flow, s_break), Expression.Return(end, s_next)),
            Expression.IfThen(Expression.NotEqual(flow, s_next), Expression.Return(end, flow)),
            Expression.PreIncrementAssign(round)));
        return Expression.Block(typeof(int), [round, mark, test, flow], Expression.Assign(round, s_zero), loop, Expression.Label(end, s_next));
    }

    /// <summary>switch: jump to the matching case's first statement and fall through until break.</summary>
    private Expression Switch(Statements.Switch node)
    {
        StatementNode[] statements = node.Children;
        ParameterExpression start = Expression.Variable(typeof(int), "start");
        ParameterExpression flow = Expression.Variable(typeof(int), "flow");
        LabelTarget end = Expression.Label(typeof(int), "switchEnd");
        var entries = new LabelTarget[statements.Length];
        var cases = new SwitchCase[statements.Length];
        for (int i = 0; i < statements.Length; i++)
        {
            entries[i] = Expression.Label("case" + i);
            cases[i] = Expression.SwitchCase(Expression.Goto(entries[i]), Expression.Constant(i));
        }

        var body = new List<Expression>
        {
            Expression.Assign(start, Expression.Call(Expression.Constant(node), s_switchStart, _context)),
        };
        if (statements.Length > 0)
        {
            body.Add(Expression.Switch(start, Expression.Return(end, s_next), cases));
        }

        for (int i = 0; i < statements.Length; i++)
        {
            body.Add(Expression.Label(entries[i]));
            body.Add(Expression.Assign(flow, Statement(statements[i])));
            body.Add(Expression.IfThen(Expression.Equal(flow, s_break), Expression.Return(end, s_next)));
            body.Add(Expression.IfThen(Expression.NotEqual(flow, s_next), Expression.Return(end, flow)));
        }

        body.Add(Expression.Label(end, s_next));
        return Expression.Block(typeof(int), [start, flow], body);
    }

    /// <summary>A call as a statement: the result goes to $retcode; 0 stops the script.</summary>
    private Expression CallStatement(CallNode call)
    {
        ParameterExpression mark = Expression.Variable(typeof(int), "mark");
        ParameterExpression result = Expression.Variable(typeof(int), "result");
        return Expression.Block(typeof(int), [mark, result],
            Expression.Assign(mark, Expression.Property(_context, s_mark)),
            Expression.Assign(result, Invoke(call)),
            Expression.Call(_context, s_release, mark),
            Expression.Assign(Expression.Property(_context, s_retCode), result),
            Expression.Condition(Expression.Equal(result, s_zero), s_exit, s_next));
    }

    /// <summary>A condition: 1 true, -1 false, 0 stop.</summary>
    private Expression Condition(ConditionNode node)
    {
        switch (node)
        {
            case Conditions.Constant c:
                return Expression.Constant(c.Value ? 1 : -1);
            case Conditions.Not n:
                return Expression.Negate(Condition(n.Operand));
            case Conditions.And a:
            {
                ParameterExpression left = Expression.Variable(typeof(int), "left");
                return Expression.Block(typeof(int), [left],
                    Expression.Assign(left, Condition(a.Left)),
                    Expression.Condition(Expression.LessThanOrEqual(left, s_zero), left, Condition(a.Right)));
            }

            case Conditions.Or o:
            {
                ParameterExpression left = Expression.Variable(typeof(int), "left");
                return Expression.Block(typeof(int), [left],
                    Expression.Assign(left, Condition(o.Left)),
                    Expression.Condition(Expression.NotEqual(left, Expression.Constant(-1)), left, Condition(o.Right)));
            }

            case CallNode call:
            {
                // The truth rule of a function result; the result itself goes to $retcode.
                ParameterExpression result = Expression.Variable(typeof(int), "result");
                return Expression.Block(typeof(int), [result],
                    Expression.Assign(result, Invoke(call)),
                    Expression.Assign(Expression.Property(_context, s_retCode), result),
                    Expression.Condition(Expression.GreaterThan(result, s_zero), Expression.Constant(1),
                        Expression.Condition(Expression.LessThan(result, s_zero), Expression.Constant(-1), s_zero)));
            }

            default:
                return Expression.Call(Expression.Constant(node), s_test, _context);
        }
    }

    /// <summary>A module function is called directly (its method, on its target); a route call runs its node.</summary>
    private Expression Invoke(CallNode node)
    {
        if (node is not FunctionCall call)
        {
            return Expression.Call(Expression.Constant(node), s_invoke, _context);
        }

        ScriptFunction function = call.Function;
        Expression arguments = Expression.Constant(call.Arguments);
        MethodInfo method = function.Method;
        if (function.GetInvocationList().Length != 1)
        {
            return Expression.Invoke(Expression.Constant(function), _context, arguments);
        }

        if (method.IsStatic)
        {
            // A static method with a bound first argument (a closed delegate) keeps its delegate call.
            return function.Target is null
                ? Expression.Call(method, _context, arguments)
                : Expression.Invoke(Expression.Constant(function), _context, arguments);
        }

        return Expression.Call(Expression.Constant(function.Target, method.DeclaringType!), method, _context, arguments);
    }
}
