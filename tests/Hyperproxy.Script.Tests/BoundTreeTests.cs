using System.Text.RegularExpressions;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Syntax;
using static Hyperproxy.Script.Tests.ScriptTestHelper;

namespace Hyperproxy.Script.Tests;

public class BoundTreeTests
{
    private static List<Statement> BindRoute(string body) => LoadOk(ModuleLines + "route {\n" + body + "\n}\nroute[sub] { return(1); }\n").MainRoute!.Body.Statements;

    private static CallExpression Call(string body) => Assert.IsType<ExpressionStatement>(Assert.Single(BindRoute(body))).Call;

    private static Expression Condition(string condition) => Assert.IsType<IfStatement>(Assert.Single(BindRoute($"if ({condition}) exit;"))).Condition;

    [Fact]
    public void CallsCarryTheirResolvedDeclarationAndFixedArguments()
    {
        var call = Call("sl_send_reply(\"404\", \"Not $rU\");");
        Assert.Equal("sl_send_reply", call.Function!.Name);
        Assert.Equal("sl", call.Function.Module);
        Assert.Equal(404, Assert.IsType<LiteralExpression>(call.Arguments[0]).IntValue);
        Assert.Equal(404, call.FixedArguments[0]);
        var reason = Assert.IsType<FormatStringExpression>(call.Arguments[1]);
        Assert.False(reason.IsConstant);
        Assert.Equal("Not ", reason.Segments[0].Text);
        Assert.Equal("rU", reason.Segments[1].Variable!.Declaration!.Name);
    }

    [Fact]
    public void FormatStringsUndoDoubleDollarAndResolveEveryVariable()
    {
        var call = Call("xlog(\"L_INFO\", \"cost $$5 for $(hdr(Via)[0]) via $socket_in(ip)\\n\");");
        Assert.Equal(3, call.FixedArguments[0]);
        var format = Assert.IsType<FormatStringExpression>(call.Arguments[1]);
        Assert.Equal("cost $5 for ", format.Segments[0].Text);
        var via = format.Segments[1].Variable!;
        Assert.Equal("hdr", via.Declaration!.Name);
        Assert.Equal("Via", via.Argument);
        Assert.Equal(PseudoVariableIndexKind.Number, via.IndexKind);
        Assert.Equal("ip", format.Segments[3].Variable!.Argument);
        Assert.Equal("\n", format.Segments[^1].Text);
    }

    [Fact]
    public void ConstantFormatRunsTheFixup()
    {
        var call = Call("forward(\"tcp:example.com:5070\");");
        Assert.Equal(new SocketSpec("tcp", "example.com", 5070), call.FixedArguments[0]);
        Assert.Equal(["INVITE", "ACK"], (string[])Call("is_method(\"invite|ACK\");").FixedArguments[0]!);
    }

    [Fact]
    public void ConstantArithmeticAndConcatenationFold()
    {
        var a = Assert.IsType<AssignmentStatement>(Assert.Single(BindRoute("$var(x) = 2 + 3 * 4 - (1 << 2);")));
        Assert.Equal(10, Assert.IsType<LiteralExpression>(a.Value).IntValue);
        var s = Assert.IsType<AssignmentStatement>(Assert.Single(BindRoute("$var(s) = \"sip:\" + \"a\" + \"@b\";")));
        Assert.Equal("sip:a@b", Assert.IsType<LiteralExpression>(s.Value).StringValue);
        var n = Assert.IsType<AssignmentStatement>(Assert.Single(BindRoute("$var(n) = -5 & ~0;")));
        Assert.Equal(-5, Assert.IsType<LiteralExpression>(n.Value).IntValue);
        var mixed = Assert.IsType<AssignmentStatement>(Assert.Single(BindRoute("$var(m) = \"sip:\" + $rU;")));
        Assert.IsType<BinaryExpression>(mixed.Value);
    }

    [Fact]
    public void ConstantRegexIsCompiledCaseInsensitiveAtStartUp()
    {
        var b = Assert.IsType<BinaryExpression>(Condition("$ru =~ \"^sip:[[:digit:]]+@\""));
        Assert.NotNull(b.Regex);
        Assert.Matches(b.Regex!, "SIP:123@example.com");
        Assert.DoesNotMatch(b.Regex, "sip:abc@example.com");
        Assert.True((b.Regex.Options & RegexOptions.IgnoreCase) != 0);
        var variable = Assert.IsType<BinaryExpression>(Condition("$ru !~ $var(re)"));
        Assert.Null(variable.Regex);
    }

    [Fact]
    public void LegacyKeywordsAndModernFormsBindToTheSameVariables()
    {
        var legacy = Assert.IsType<BinaryExpression>(Condition("method == \"REGISTER\""));
        var modern = Assert.IsType<BinaryExpression>(Condition("$rm == \"REGISTER\""));
        Assert.Equal("rm", ((PseudoVariableExpression)modern.Left).Declaration!.Name);
        Assert.Equal("rm", ((PseudoVariableExpression)legacy.Left).Declaration!.Name);
        var srcIp = Assert.IsType<BinaryExpression>(Condition("src_ip == 192.0.2.1"));
        Assert.Equal("si", ((PseudoVariableExpression)srcIp.Left).Declaration!.Name);
        var ri = Assert.IsType<BinaryExpression>(Condition("$Ri == $socket_in(ip) && $Rp == $socket_in(port)"));
        Assert.NotNull(ri);
        var myself = Assert.IsType<BinaryExpression>(Condition("uri == myself"));
        Assert.Equal("ru", ((PseudoVariableExpression)myself.Left).Declaration!.Name);
        Assert.IsType<MyselfExpression>(myself.Right);
        Assert.Equal("src_ip", ((PseudoVariableExpression)srcIp.Left).LegacyKeyword);
    }

    [Fact]
    public void AliasesResolveToTheCanonicalDeclaration()
    {
        var b = Assert.IsType<BinaryExpression>(Condition("$ruri == $ru && $retcode == $rc"));
        var and = (BinaryExpression)b;
        var left = (BinaryExpression)and.Left;
        Assert.Same(((PseudoVariableExpression)left.Left).Declaration, ((PseudoVariableExpression)left.Right).Declaration);
    }

    [Fact]
    public void RouteCallsResolveTheirTargetAndPassParameters()
    {
        var program = LoadOk("route {\n  route(check, \"a\", $rU);\n}\nroute[check] {\n  if ($param(1) == \"a\") return(-1);\n  return(1, $param(2));\n}\n");
        var call = ((ExpressionStatement)program.MainRoute!.Body.Statements[0]).Call;
        Assert.Same(program.FindRoute(RouteTypes.Request, "check"), call.Route);
        Assert.Equal(3, call.Arguments.Count);
        Assert.Equal(RouteTypes.Request, call.Route!.ReachableFrom);
    }

    [Fact]
    public void FlagNamesGetStableBitIndexes()
    {
        var program = LoadOk("route {\n  setflag(NAT);\n  setflag(\"ACC\");\n  if (isflagset(NAT)) resetflag(3);\n  setbflag(NAT);\n}\n");
        Assert.Equal(0, program.MessageFlags["NAT"]);
        Assert.Equal(1, program.MessageFlags["ACC"]);
        Assert.Equal(0, program.BranchFlags["NAT"]);
        var isSet = (CallExpression)((IfStatement)program.MainRoute!.Body.Statements[2]).Condition;
        Assert.Equal(0, isSet.FixedArguments[0]);
    }

    [Fact]
    public void IndexesAndTransformationsAreBound()
    {
        var a = Assert.IsType<AssignmentStatement>(Assert.Single(BindRoute("$var(x) = $(hdr(Route)[*]{s.len});")));
        var pv = Assert.IsType<PseudoVariableExpression>(a.Value);
        Assert.Equal(PseudoVariableIndexKind.All, pv.IndexKind);
        Assert.Equal("s.len", Assert.Single(pv.Transformations).Declaration.Name);
        var p = Assert.IsType<AssignmentStatement>(Assert.Single(BindRoute("$var(e) = $(ct{param.value,expires});")));
        Assert.Equal(["expires"], Assert.Single(((PseudoVariableExpression)p.Value).Transformations).Arguments);
        var last = Assert.IsType<AssignmentStatement>(Assert.Single(BindRoute("$avp(a) = $(avp(b)[-1]);")));
        Assert.Equal(-1, ((PseudoVariableExpression)last.Value).IndexValue);
    }

    [Fact]
    public void EveryStatementKindBindsInOneScript()
    {
        var program = LoadOk(ModuleLines + """
            route {
                $var(i) = 0;
                while ($var(i) < 5) {
                    $var(i) += 1;
                    if ($var(i) == 3) break;
                }
                switch ($rm) {
                    case "OPTIONS":
                        sl_send_reply(200, "OK");
                        exit;
                    case 1:
                    default:
                        break;
                }
                if ($du != NULL) $du = NULL;
                $ru = "sip:" + $rU + "@" + $fd;
                $avp(x) := "a";
                $avp(x) = NULL;
                if ($si == 10.0.0.0/8 || $si == ::1) drop;
                if (route(sub)) return;
                forward();
            }
            route[sub] { return(1); }
            failure_route[f] { if (isdsturiset()) exit; }
            branch_route[b] { append_hf("X-B: 1\r\n"); }
            onreply_route[r] { if ($rs == 200) exit; }
            error_route { sl_send_reply(400, "Bad $err.info"); }
            startup_route { xlog("start\n"); }
            timer_route[tick, 10] { $var(t) = $Ts; }
            local_route { exit; }
            """);
        Assert.Equal(9, program.Routes.Count);
        Assert.NotNull(program.ErrorRoute);
        Assert.Equal(10, program.FindRoute(RouteTypes.Timer, "tick")!.TimerInterval);
    }
}
