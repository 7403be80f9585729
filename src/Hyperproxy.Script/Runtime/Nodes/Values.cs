using Hyperproxy.Script.Syntax;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Runtime.Nodes;

/// <summary>The compiled value expressions.</summary>
internal static class Values
{
    internal sealed class Constant(ScriptValue value) : ValueNode
    {
        public ScriptValue Value => value;

        public override bool IsConstant => true;

        public override ScriptValue Evaluate(ScriptContext context) => value;
    }

    /// <summary><c>+ - * / % &amp; | ^ &lt;&lt; &gt;&gt;</c>; <c>+</c> concatenates when either side is a string.</summary>
    internal sealed class Arithmetic(ValueNode left, ValueNode right, BinaryOperator op, SourceLocation location) : ValueNode
    {
        public override ScriptValue Evaluate(ScriptContext context)
        {
            ScriptValue l = left.Evaluate(context);
            ScriptValue r = right.Evaluate(context);
            if (op == BinaryOperator.Add)
            {
                if (l.Kind == ScriptValueKind.Int && r.Kind == ScriptValueKind.Int)
                {
                    return ScriptValue.FromInt(unchecked(l.Int + r.Int));
                }

                if (l.IsNull)
                {
                    return r;
                }

                if (r.IsNull)
                {
                    return l;
                }

                ScriptValue s = context.Concat(l, r);
                if (s.IsNull)
                {
                    context.RuntimeError(location, "out of scratch space for string concatenation");
                }

                return s;
            }

            if (!l.TryGetInt(out int x) || !r.TryGetInt(out int y))
            {
                context.RuntimeError(location, $"operator {op} needs integers");
                return ScriptValue.Null;
            }

            if (y == 0 && op is BinaryOperator.Divide or BinaryOperator.Modulo)
            {
                context.RuntimeError(location, "division by zero");
                return ScriptValue.Null;
            }

            return ScriptValue.FromInt(op switch
            {
                BinaryOperator.Subtract => unchecked(x - y),
                BinaryOperator.Multiply => unchecked(x * y),
                BinaryOperator.Divide => x / y,
                BinaryOperator.Modulo => x % y,
                BinaryOperator.BitwiseAnd => x & y,
                BinaryOperator.BitwiseOr => x | y,
                BinaryOperator.BitwiseXor => x ^ y,
                BinaryOperator.ShiftLeft => x << y,
                BinaryOperator.ShiftRight => x >> y,
                _ => 0,
            });
        }
    }

    internal sealed class Unary(ValueNode operand, UnaryOperator op) : ValueNode
    {
        public override ScriptValue Evaluate(ScriptContext context)
        {
            ScriptValue v = operand.Evaluate(context);
            if (op == UnaryOperator.Not)
            {
                return ScriptValue.FromInt(v.IsTrue ? 0 : 1);
            }

            if (!v.TryGetInt(out int x))
            {
                return ScriptValue.Null;
            }

            return ScriptValue.FromInt(op == UnaryOperator.Negate ? unchecked(-x) : ~x);
        }
    }

    /// <summary>A string with <c>$var</c>s: the pieces are concatenated into the arena.</summary>
    internal sealed class Format(ValueNode[] pieces) : ValueNode
    {
        public override ScriptValue Evaluate(ScriptContext context)
        {
            ScriptValue acc = context.Store(default);
            foreach (ValueNode p in pieces)
            {
                ScriptValue v = p.Evaluate(context);
                if (v.IsNull)
                {
                    v = s_null;
                }

                acc = context.Concat(acc, v);
            }

            return acc;
        }

        private static readonly ScriptValue s_null = ScriptValue.FromBytes("<null>"u8.ToArray());
    }

    /// <summary>A call or a condition used as a value: its result as an integer.</summary>
    internal sealed class ConditionValue(ConditionNode condition, bool isCall) : ValueNode
    {
        public override ScriptValue Evaluate(ScriptContext context)
        {
            if (isCall)
            {
                int r = ((CallNode)condition).Invoke(context);
                context.RetCode = r;
                return ScriptValue.FromInt(r);
            }

            return ScriptValue.FromInt(condition.Test(context) > 0 ? 1 : 0);
        }
    }
}
