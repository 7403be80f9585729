using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Script.Runtime.Variables;
using Hyperproxy.Script.Syntax;

namespace Hyperproxy.Script.Runtime;

public sealed partial class ScriptCompiler
{
    private StatementNode CompileBlock(List<Statement> statements)
    {
        var nodes = new StatementNode[statements.Count];
        for (int i = 0; i < nodes.Length; i++)
        {
            nodes[i] = CompileStatement(statements[i]);
        }

        return nodes.Length == 1 ? nodes[0] : new Statements.Block(nodes);
    }

    private StatementNode CompileStatement(Statement statement)
    {
        switch (statement)
        {
            case BlockStatement b:
                return CompileBlock(b.Statements);
            case IfStatement s:
                return new Statements.If(CompileCondition(s.Condition), CompileStatement(s.Then), s.Else is null ? null : CompileStatement(s.Else));
            case WhileStatement s:
                return new Statements.While(CompileCondition(s.Condition), CompileStatement(s.Body), _program.Settings.MaxWhileLoops, s.Location);
            case SwitchStatement s:
                return CompileSwitch(s);
            case BreakStatement:
                return new Statements.Break();
            case ExitStatement:
                return new Statements.Exit();
            case DropStatement:
                return new Statements.Drop();
            case ReturnStatement s:
                return CompileReturn(s);
            case ForEachStatement s:
                return CompileForEach(s);
            case ExpressionStatement s:
                return new Statements.Call(CompileCall(s.Call));
            case AssignmentStatement s:
                return CompileAssignment(s);
            default:
                Error(statement.Location, $"statement {statement.GetType().Name} is not supported by the runtime");
                return new Statements.Exit();
        }
    }

    private StatementNode CompileReturn(ReturnStatement s)
    {
        if (s.Values.Count > ScriptContext.MaxReturnValues + 1)
        {
            Error(s.Location, $"return() takes a code and at most {ScriptContext.MaxReturnValues} values, got {s.Values.Count - 1}");
        }

        var values = new ValueNode[Math.Max(0, Math.Min(s.Values.Count - 1, ScriptContext.MaxReturnValues))];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = CompileValue(s.Values[i + 1]);
        }

        return new Statements.Return(s.Values.Count == 0 ? null : CompileValue(s.Values[0]), values, s.Location);
    }

    private StatementNode CompileForEach(ForEachStatement s)
    {
        VariableWriter? writer = CompileWriter(s.Variable, VariableWriter.AvpMode.ReplaceAll);
        StatementNode body = CompileStatement(s.Body);
        if (writer is null || CompileVariable(s.Source) is not VariableReader source)
        {
            return new Statements.Exit();
        }

        return new Statements.ForEach(writer, source, body, _program.Settings.MaxWhileLoops, s.Location);
    }

    private StatementNode CompileSwitch(SwitchStatement s)
    {
        var statements = new List<StatementNode>();
        var values = new List<ScriptValue>();
        var starts = new List<int>();
        int defaultStart = -1;
        foreach (SwitchCase c in s.Cases)
        {
            if (c.Value is null)
            {
                defaultStart = statements.Count;
            }
            else
            {
                values.Add(Constant(c.Value));
                starts.Add(statements.Count);
            }

            foreach (Statement st in c.Statements)
            {
                statements.Add(CompileStatement(st));
            }
        }

        return new Statements.Switch(CompileValue(s.Subject), values.ToArray(), starts.ToArray(), defaultStart, statements.ToArray());
    }

    private StatementNode CompileAssignment(AssignmentStatement s)
    {
        VariableWriter.AvpMode avpMode = s.Operator switch
        {
            AssignmentOperator.Assign => VariableWriter.AvpMode.Push,
            AssignmentOperator.AssignReplace => VariableWriter.AvpMode.ReplaceAll,
            _ => VariableWriter.AvpMode.ReplaceTop,
        };
        VariableWriter? writer = CompileWriter(s.Target, avpMode);
        ValueNode value = CompileValue(s.Value);
        if (writer is null)
        {
            return new Statements.Exit();
        }

        if (s.Operator is not (AssignmentOperator.Assign or AssignmentOperator.AssignReplace))
        {
            var op = s.Operator switch
            {
                AssignmentOperator.Add => BinaryOperator.Add,
                AssignmentOperator.Subtract => BinaryOperator.Subtract,
                AssignmentOperator.Multiply => BinaryOperator.Multiply,
                AssignmentOperator.Divide => BinaryOperator.Divide,
                AssignmentOperator.Modulo => BinaryOperator.Modulo,
                AssignmentOperator.BitwiseAnd => BinaryOperator.BitwiseAnd,
                AssignmentOperator.BitwiseOr => BinaryOperator.BitwiseOr,
                _ => BinaryOperator.BitwiseXor,
            };
            value = new Values.Arithmetic(CompileVariable(s.Target), value, op, s.Location);
        }

        return new Statements.Assign(writer, value);
    }
}
