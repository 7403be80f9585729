using System.Globalization;
using System.Text;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Sip;

namespace Hyperproxy.Bench.Script;

/// <summary>
/// The baseline: a naive tree-walking interpreter over the bound syntax tree, the way a first
/// implementation would run a script — a type switch per node, values as boxed objects and .NET
/// strings, variables and routes looked up by name, functions dispatched by name with their
/// arguments re-evaluated to strings. It implements what the default script needs (and a little
/// more) and performs the same host actions as the compiled script.
/// </summary>
public sealed class NaiveInterpreter
{
    private readonly ScriptProgram _program;
    private readonly Dictionary<string, object?> _vars = new(StringComparer.Ordinal);

    public NaiveInterpreter(ScriptProgram program) => _program = program;

    private enum Flow
    {
        Next,
        Break,
        Return,
        Exit,
    }

    public void Run(ScriptContext context) => Exec(_program.MainRoute!.Body, context);

    private Flow Exec(Statement statement, ScriptContext c)
    {
        switch (statement)
        {
            case BlockStatement b:
                foreach (Statement s in b.Statements)
                {
                    Flow f = Exec(s, c);
                    if (f != Flow.Next)
                    {
                        return f;
                    }
                }

                return Flow.Next;
            case IfStatement i:
            {
                int t = Test(i.Condition, c);
                if (t == 0)
                {
                    return Flow.Exit;
                }

                return t > 0 ? Exec(i.Then, c) : i.Else is null ? Flow.Next : Exec(i.Else, c);
            }

            case SwitchStatement sw:
            {
                object? v = Eval(sw.Subject, c);
                bool matched = false;
                foreach (SwitchCase k in sw.Cases)
                {
                    if (!matched && (k.IsDefault || Equal(v, Literal(k.Value!))))
                    {
                        matched = true;
                    }

                    if (matched)
                    {
                        foreach (Statement s in k.Statements)
                        {
                            Flow f = Exec(s, c);
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

                return Flow.Next;
            }

            case WhileStatement w:
                for (int n = 0; n < _program.Settings.MaxWhileLoops && Test(w.Condition, c) > 0; n++)
                {
                    Flow f = Exec(w.Body, c);
                    if (f == Flow.Break)
                    {
                        break;
                    }

                    if (f != Flow.Next)
                    {
                        return f;
                    }
                }

                return Flow.Next;
            case BreakStatement:
                return Flow.Break;
            case ExitStatement or DropStatement:
                return Flow.Exit;
            case ReturnStatement r:
                c.RetCode = r.Values.Count == 0 ? 1 : Convert.ToInt32(Eval(r.Values[0], c), CultureInfo.InvariantCulture);
                return c.RetCode == 0 ? Flow.Exit : Flow.Return;
            case AssignmentStatement a:
                _vars[a.Target.Syntax.Text] = Eval(a.Value, c);
                return Flow.Next;
            case ExpressionStatement e:
            {
                int r = Call(e.Call, c);
                c.RetCode = r;
                return r == 0 ? Flow.Exit : Flow.Next;
            }

            default:
                return Flow.Next;
        }
    }

    private int Test(Expression e, ScriptContext c)
    {
        switch (e)
        {
            case UnaryExpression { Operator: UnaryOperator.Not } u:
                return -Test(u.Operand, c);
            case BinaryExpression { Operator: BinaryOperator.And } b:
            {
                int l = Test(b.Left, c);
                return l <= 0 ? l : Test(b.Right, c);
            }

            case BinaryExpression { Operator: BinaryOperator.Or } b:
            {
                int l = Test(b.Left, c);
                return l != -1 ? l : Test(b.Right, c);
            }

            case BinaryExpression { Right: MyselfExpression } b:
            {
                string? uri = Eval(b.Left, c) as string;
                bool me = uri is not null && IsMyself(uri, c);
                return me == (b.Operator == BinaryOperator.Equal) ? 1 : -1;
            }

            case BinaryExpression { Operator: BinaryOperator.Equal } b:
                return Equal(Eval(b.Left, c), Eval(b.Right, c)) ? 1 : -1;
            case BinaryExpression { Operator: BinaryOperator.NotEqual } b:
                return Equal(Eval(b.Left, c), Eval(b.Right, c)) ? -1 : 1;
            case CallExpression call:
            {
                int r = Call(call, c);
                c.RetCode = r;
                return Math.Sign(r);
            }

            default:
                object? v = Eval(e, c);
                return v is null || (v is int i && i == 0) || (v is string s && s.Length == 0) ? -1 : 1;
        }
    }

    private static bool Equal(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (int x, int y) => x == y,
        _ => string.Equals(Convert.ToString(a, CultureInfo.InvariantCulture), Convert.ToString(b, CultureInfo.InvariantCulture), StringComparison.OrdinalIgnoreCase),
    };

    private static object? Literal(LiteralExpression l) => l.Kind switch
    {
        LiteralKind.Int => l.IntValue,
        LiteralKind.String => l.StringValue,
        _ => null,
    };

    private object? Eval(Expression e, ScriptContext c)
    {
        switch (e)
        {
            case LiteralExpression l:
                return Literal(l);
            case FormatStringExpression f:
            {
                var sb = new StringBuilder();
                foreach (FormatSegment s in f.Segments)
                {
                    sb.Append(s.Text ?? Convert.ToString(Eval(s.Variable!, c), CultureInfo.InvariantCulture) ?? "<null>");
                }

                return sb.ToString();
            }

            case PseudoVariableExpression pv:
                return Variable(pv, c);
            case CallExpression call:
                return Call(call, c);
            case BinaryExpression { Operator: BinaryOperator.Add } b:
            {
                object? l = Eval(b.Left, c);
                object? r = Eval(b.Right, c);
                return l is int x && r is int y ? x + y : Convert.ToString(l, CultureInfo.InvariantCulture) + Convert.ToString(r, CultureInfo.InvariantCulture);
            }

            default:
                return null;
        }
    }

    private object? Variable(PseudoVariableExpression pv, ScriptContext c)
    {
        SipMessage m = c.Message;
        switch (pv.Syntax.Name)
        {
            case "rm":
                return Encoding.ASCII.GetString(m.Span(m.IsRequest ? m.MethodRange : m.CSeqMethodRange));
            case "ru":
                return Encoding.UTF8.GetString(c.RequestUri);
            case "si":
                return c.Source.HostToString();
            case "rd":
            {
                string uri = Encoding.UTF8.GetString(c.RequestUri);
                int at = uri.IndexOf('@', StringComparison.Ordinal);
                string rest = uri[(at < 0 ? uri.IndexOf(':', StringComparison.Ordinal) + 1 : at + 1)..];
                int end = rest.IndexOfAny([':', ';', '?', '>']);
                return end < 0 ? rest : rest[..end];
            }

            case "var":
                return _vars.TryGetValue(pv.Syntax.Text, out object? v) ? v : null;
            default:
                return null;
        }
    }

    private static bool IsMyself(string uri, ScriptContext c)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(uri);
        if (!SipUri.TryParse(bytes, out SipUri u) || !u.Host.IsPresent)
        {
            return false;
        }

        return c.Host.IsMyself(bytes.AsSpan(u.Host.Start, u.Host.Length), u.PortNumber != 0 ? u.PortNumber : 5060);
    }

    private int Call(CallExpression call, ScriptContext c)
    {
        SipMessage m = c.Message;
        switch (call.Name)
        {
            case "route":
            {
                RouteDefinition route = _program.FindRoute(RouteTypes.Request, (string)Literal((LiteralExpression)call.Arguments[0])!)!;
                Flow f = Exec(route.Body, c);
                return f == Flow.Exit ? 0 : f == Flow.Return ? c.RetCode : 1;
            }

            case "mf_process_maxfwd_header":
            {
                int limit = Convert.ToInt32(Eval(call.Arguments[0], c), CultureInfo.InvariantCulture);
                int h = m.FindHeader(HeaderId.MaxForwards);
                if (h < 0)
                {
                    c.Edits.AddHeaderBefore(0, Encoding.ASCII.GetBytes("Max-Forwards: " + limit + "\r\n"));
                    return 2;
                }

                int mf = int.Parse(Encoding.ASCII.GetString(m.Span(m.Header(h).Value)).Trim(), CultureInfo.InvariantCulture);
                if (mf == 0)
                {
                    return -1;
                }

                string digits = (mf - 1).ToString(CultureInfo.InvariantCulture).PadLeft(m.Header(h).Value.Length);
                c.Edits.Replace(m.Header(h).Value, Encoding.ASCII.GetBytes(digits));
                return 1;
            }

            case "is_method":
            {
                string method = (string)Variable(new PseudoVariableExpression(call.Location, new PseudoVariableSyntax(call.Location, "rm", null, null, [], "$rm")), c)!;
                foreach (string name in ((string)Eval(call.Arguments[0], c)!).Split('|'))
                {
                    if (string.Equals(name, method, StringComparison.OrdinalIgnoreCase))
                    {
                        return 1;
                    }
                }

                return -1;
            }

            case "is_present_hf":
            {
                string name = (string)Eval(call.Arguments[0], c)!;
                for (int i = 0; i < m.HeaderCount; i++)
                {
                    if (string.Equals(Encoding.ASCII.GetString(m.Span(m.Header(i).Name)), name, StringComparison.OrdinalIgnoreCase))
                    {
                        return 1;
                    }
                }

                return -1;
            }

            case "append_to_reply":
                return c.AppendReplyHeaders(Encoding.UTF8.GetBytes((string)Eval(call.Arguments[0], c)!)) ? 1 : -1;
            case "sl_send_reply":
            case "send_reply":
                return c.Host.Reply(c, Convert.ToInt32(Eval(call.Arguments[0], c), CultureInfo.InvariantCulture),
                    Encoding.UTF8.GetBytes((string)Eval(call.Arguments[1], c)!));
            case "sl_reply_error":
                return c.ErrorCode == 0 ? -1 : c.Host.Reply(c, c.ErrorCode, c.ErrorReason);
            case "forward":
                return c.Host.Forward(c, call.Arguments.Count > 0 ? Encoding.UTF8.GetBytes((string)Eval(call.Arguments[0], c)!) : default);
            case "has_totag":
                return m.ToTag.IsPresent ? 1 : -1;
            default:
                throw new NotSupportedException($"the naive interpreter has no '{call.Name}'");
        }
    }
}
