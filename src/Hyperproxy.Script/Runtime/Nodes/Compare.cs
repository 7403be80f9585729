using Hyperproxy.Script.Syntax;

namespace Hyperproxy.Script.Runtime.Nodes;

/// <summary>
/// OpenSIPS comparison rules: integers compare as integers, strings case-insensitively (ordering:
/// lexicographic, shorter first); an integer against a string compares as integers when the string
/// is a number, else the comparison is false; NULL equals only NULL.
/// </summary>
internal static class Compare
{
    public static bool AreEqual(in ScriptValue l, in ScriptValue r) => Evaluate(l, r, BinaryOperator.Equal);

    public static bool Evaluate(in ScriptValue l, in ScriptValue r, BinaryOperator op)
    {
        if (l.IsNull || r.IsNull)
        {
            bool both = l.IsNull && r.IsNull;
            return op switch
            {
                BinaryOperator.Equal => both,
                BinaryOperator.NotEqual => !both,
                _ => false,
            };
        }

        int c;
        if (l.HasInt && r.HasInt)
        {
            c = l.Int.CompareTo(r.Int);
        }
        else if (l.HasString && r.HasString)
        {
            if (op is BinaryOperator.Equal or BinaryOperator.NotEqual)
            {
                bool eq = ScriptText.EqualsIgnoreCase(l.Span, r.Span);
                return op == BinaryOperator.Equal ? eq : !eq;
            }

            c = ScriptText.CompareIgnoreCase(l.Span, r.Span);
        }
        else if (l.TryGetInt(out int a) && r.TryGetInt(out int b))
        {
            c = a.CompareTo(b);
        }
        else
        {
            return false; // type mismatch
        }

        return op switch
        {
            BinaryOperator.Equal => c == 0,
            BinaryOperator.NotEqual => c != 0,
            BinaryOperator.Less => c < 0,
            BinaryOperator.LessEqual => c <= 0,
            BinaryOperator.Greater => c > 0,
            BinaryOperator.GreaterEqual => c >= 0,
            _ => false,
        };
    }
}
