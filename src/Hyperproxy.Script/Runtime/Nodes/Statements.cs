using Hyperproxy.Script.Runtime.Variables;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Runtime.Nodes;

/// <summary>The compiled statements.</summary>
internal static class Statements
{
    internal sealed class Block(StatementNode[] statements) : StatementNode
    {
        private readonly StatementNode[] _statements = statements;

        internal StatementNode[] Children => _statements;

        public override Flow Execute(ScriptContext context)
        {
            foreach (StatementNode s in _statements)
            {
                Flow f = s.Execute(context);
                if (f != Flow.Next)
                {
                    return f;
                }
            }

            return Flow.Next;
        }
    }

    internal sealed class If(ConditionNode condition, StatementNode then, StatementNode? @else) : StatementNode
    {
        internal ConditionNode Condition => condition;

        internal StatementNode Then => then;

        internal StatementNode? Else => @else;

        public override Flow Execute(ScriptContext context)
        {
            int mark = context.ArenaMark;
            int t = condition.Test(context);
            context.ArenaRelease(mark);
            if (t > 0)
            {
                return then.Execute(context);
            }

            if (t == 0)
            {
                return Flow.Exit;
            }

            return @else is null ? Flow.Next : @else.Execute(context);
        }
    }

    internal sealed class While(ConditionNode condition, StatementNode body, int maxLoops, SourceLocation location) : StatementNode
    {
        internal const string TooManyRounds = "while loop stopped after max_while_loops iterations";

        internal ConditionNode Condition => condition;

        internal StatementNode Body => body;

        internal int MaxLoops => maxLoops;

        internal SourceLocation Location => location;

        public override Flow Execute(ScriptContext context)
        {
            for (int i = 0; ; i++)
            {
                int mark = context.ArenaMark;
                int t = condition.Test(context);
                context.ArenaRelease(mark);
                if (t == 0)
                {
                    return Flow.Exit;
                }

                if (t < 0)
                {
                    return Flow.Next;
                }

                if (i >= maxLoops)
                {
                    context.RuntimeError(location, TooManyRounds);
                    return Flow.Next;
                }

                Flow f = body.Execute(context);
                if (f == Flow.Break)
                {
                    return Flow.Next;
                }

                if (f != Flow.Next)
                {
                    return f;
                }
            }
        }
    }

    /// <summary>
    /// <c>for ($var(x) in $(avp(l)[*]))</c>: each value, in index order, is written to the loop variable before the
    /// body runs. Values are read one at a time (no copy of the list); a body that keeps adding to the list it walks
    /// is stopped after max_while_loops rounds like a while loop.
    /// </summary>
    internal sealed class ForEach(VariableWriter variable, VariableReader source, StatementNode body, int maxLoops, SourceLocation location) : StatementNode
    {
        public override Flow Execute(ScriptContext context)
        {
            for (int i = 0; ; i++)
            {
                int mark = context.ArenaMark;
                ScriptValue v = source.ValueAt(context, i);
                if (v.IsNull)
                {
                    context.ArenaRelease(mark);
                    return Flow.Next;
                }

                if (i >= maxLoops)
                {
                    context.ArenaRelease(mark);
                    context.RuntimeError(location, "for loop stopped after max_while_loops iterations");
                    return Flow.Next;
                }

                variable.Write(context, v);
                context.ArenaRelease(mark);
                Flow f = body.Execute(context);
                if (f == Flow.Break)
                {
                    return Flow.Next;
                }

                if (f != Flow.Next)
                {
                    return f;
                }
            }
        }
    }

    /// <summary><c>switch</c>: the statements of all cases in order; a match jumps in and falls through until break.</summary>
    internal sealed class Switch(ValueNode subject, ScriptValue[] caseValues, int[] caseStarts, int defaultStart, StatementNode[] statements) : StatementNode
    {
        internal StatementNode[] Children => statements;

        /// <summary>Where execution enters for the subject's current value: a case's first statement, default's, or -1.</summary>
        internal int Start(ScriptContext context)
        {
            int mark = context.ArenaMark;
            ScriptValue v = subject.Evaluate(context);
            int start = defaultStart;
            for (int i = 0; i < caseValues.Length; i++)
            {
                if (Compare.AreEqual(v, caseValues[i]))
                {
                    start = caseStarts[i];
                    break;
                }
            }

            context.ArenaRelease(mark);
            return start;
        }

        public override Flow Execute(ScriptContext context)
        {
            int start = Start(context);
            if (start < 0)
            {
                return Flow.Next;
            }

            for (int i = start; i < statements.Length; i++)
            {
                Flow f = statements[i].Execute(context);
                if (f == Flow.Break)
                {
                    return Flow.Next;
                }

                if (f != Flow.Next)
                {
                    return f;
                }
            }

            return Flow.Next;
        }
    }

    internal sealed class Break : StatementNode
    {
        public override Flow Execute(ScriptContext context) => Flow.Break;
    }

    internal sealed class Exit : StatementNode
    {
        public override Flow Execute(ScriptContext context) => Flow.Exit;
    }

    internal sealed class Drop : StatementNode
    {
        public override Flow Execute(ScriptContext context)
        {
            context.Dropped = true;
            return Flow.Exit;
        }
    }

    /// <summary>
    /// <c>return</c> / <c>return(code[, v1, ...])</c>: NULL → -1, a non-number → 1, 0 stops the script. The extra
    /// values become <c>$return(0)</c>, <c>$return(1)</c> ... for the caller (copied out of the arena first).
    /// </summary>
    internal sealed class Return(ValueNode? code, ValueNode[] values, SourceLocation location) : StatementNode
    {
        public override Flow Execute(ScriptContext context)
        {
            context.BeginReturnValues();
            if (code is null)
            {
                context.CommitReturnValues();
                context.RetCode = 1;
                return Flow.Return;
            }

            int mark = context.ArenaMark;
            ScriptValue v = code.Evaluate(context);
            int rc = v.IsNull ? -1 : v.TryGetInt(out int n) ? n : 1;
            foreach (ValueNode value in values)
            {
                if (!context.AddReturnValue(value.Evaluate(context)))
                {
                    context.RuntimeError(location, "return value too long for $return (4096 bytes for all values): kept as NULL");
                }
            }

            context.CommitReturnValues();
            context.ArenaRelease(mark);
            if (rc == 0)
            {
                return Flow.Exit;
            }

            context.RetCode = rc;
            return Flow.Return;
        }
    }

    /// <summary>A function or route call used as a statement: the result goes to $retcode; 0 stops the script.</summary>
    internal sealed class Call(CallNode call) : StatementNode
    {
        internal CallNode Target => call;

        public override Flow Execute(ScriptContext context)
        {
            int mark = context.ArenaMark;
            int r = call.Invoke(context);
            context.ArenaRelease(mark);
            context.RetCode = r;
            return r == 0 ? Flow.Exit : Flow.Next;
        }
    }

    internal sealed class Assign(VariableWriter target, ValueNode value) : StatementNode
    {
        public override Flow Execute(ScriptContext context)
        {
            int mark = context.ArenaMark;
            ScriptValue v = value.Evaluate(context);
            target.Write(context, v);
            context.ArenaRelease(mark);
            return Flow.Next;
        }
    }
}
