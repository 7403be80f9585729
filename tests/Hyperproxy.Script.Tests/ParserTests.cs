using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Syntax;
using static Hyperproxy.Script.Tests.ScriptTestHelper;

namespace Hyperproxy.Script.Tests;

public class ParserTests
{
    [Fact]
    public void GlobalsKeepTheirRawValueAndPosition()
    {
        var script = ParseOk("log_level=3\nsocket = udp:127.0.0.1:5060   # the only socket\nalias=\"example.com\"\n");
        Assert.Equal(["log_level", "socket", "alias"], script.Globals.Select(g => g.Name));
        Assert.Equal("udp:127.0.0.1:5060", script.Globals[1].Value);
        Assert.Equal(2, script.Globals[1].ValueLocation.Line);
        Assert.Equal(10, script.Globals[1].ValueLocation.Column);
        Assert.Equal("\"example.com\"", script.Globals[2].Value);
    }

    [Fact]
    public void LoadModuleAndModParamParse()
    {
        var script = ParseOk("mpath=\"/usr/lib/opensips/modules/\"\nloadmodule \"sl.so\"\nmodparam(\"maxfwd\", \"max_limit\", 70)\nmodparam(\"usrloc\", \"nat_bflag\", \"NAT\");\n");
        Assert.Equal("sl.so", Assert.Single(script.LoadModules).Path);
        Assert.Equal(2, script.ModParams.Count);
        Assert.Equal(70, script.ModParams[0].Value.IntValue);
        Assert.Equal("NAT", script.ModParams[1].Value.StringValue);
    }

    [Theory]
    [InlineData("route { exit; }", RouteTypes.Request, "", 0)]
    [InlineData("route[0] { exit; }", RouteTypes.Request, "", 0)]
    [InlineData("route[relay] { exit; }", RouteTypes.Request, "relay", 0)]
    [InlineData("route[\"quoted\"] { exit; }", RouteTypes.Request, "quoted", 0)]
    [InlineData("route[2] { exit; }", RouteTypes.Request, "2", 0)]
    [InlineData("onreply_route { exit; }", RouteTypes.OnReply, "", 0)]
    [InlineData("onreply_route[handle_nat] { exit; }", RouteTypes.OnReply, "handle_nat", 0)]
    [InlineData("failure_route[missed_call] { exit; }", RouteTypes.Failure, "missed_call", 0)]
    [InlineData("branch_route[per_branch] { exit; }", RouteTypes.Branch, "per_branch", 0)]
    [InlineData("error_route { exit; }", RouteTypes.Error, "", 0)]
    [InlineData("startup_route { exit; }", RouteTypes.Startup, "", 0)]
    [InlineData("timer_route[cleanup, 60] { exit; }", RouteTypes.Timer, "cleanup", 60)]
    [InlineData("local_route { exit; }", RouteTypes.Local, "", 0)]
    [InlineData("event_route[E_CORE_PKG_THRESHOLD] { exit; }", RouteTypes.Event, "E_CORE_PKG_THRESHOLD", 0)]
    public void EveryRouteKindParses(string text, RouteTypes kind, string name, int interval)
    {
        var route = Assert.Single(ParseOk(text).Routes);
        Assert.Equal(kind, route.Kind);
        Assert.Equal(name, route.Name);
        Assert.Equal(interval, route.TimerInterval);
        Assert.IsType<ExitStatement>(Assert.Single(route.Body.Statements));
    }

    [Fact]
    public void IfElseIfElseChains()
    {
        var s = Assert.IsType<IfStatement>(Assert.Single(ParseRoute("if ($rm == \"A\") exit; else if ($rm == \"B\") { drop; } else return(-1);")));
        var elseIf = Assert.IsType<IfStatement>(s.Else);
        Assert.IsType<DropStatement>(Assert.Single(Assert.IsType<BlockStatement>(elseIf.Then).Statements));
        var ret = Assert.IsType<ReturnStatement>(elseIf.Else);
        Assert.Equal(-1, Assert.IsType<UnaryExpression>(Assert.Single(ret.Values)).Operand is LiteralExpression l ? -l.IntValue : 0);
    }

    [Fact]
    public void SwitchCollectsCasesDefaultAndBreaks()
    {
        var s = Assert.IsType<SwitchStatement>(Assert.Single(ParseRoute(
            "switch ($rm) {\n case \"INVITE\":\n case 7:\n  xlog(\"x\");\n  break;\n default:\n  exit;\n}")));
        Assert.Equal(3, s.Cases.Count);
        Assert.Equal("INVITE", s.Cases[0].Value!.StringValue);
        Assert.Empty(s.Cases[0].Statements);
        Assert.Equal(7, s.Cases[1].Value!.IntValue);
        Assert.IsType<BreakStatement>(s.Cases[1].Statements[1]);
        Assert.True(s.Cases[2].IsDefault);
    }

    [Fact]
    public void WhileLoopParses()
    {
        var w = Assert.IsType<WhileStatement>(Assert.Single(ParseRoute("while ($var(i) < 10) { $var(i) += 1; }")));
        Assert.Equal(BinaryOperator.Less, Assert.IsType<BinaryExpression>(w.Condition).Operator);
    }

    [Theory]
    [InlineData("exit;")]
    [InlineData("exit();")]
    public void ExitWithOrWithoutParentheses(string text) => Assert.IsType<ExitStatement>(Assert.Single(ParseRoute(text)));

    [Theory]
    [InlineData("drop;")]
    [InlineData("drop();")]
    public void DropWithOrWithoutParentheses(string text) => Assert.IsType<DropStatement>(Assert.Single(ParseRoute(text)));

    [Theory]
    [InlineData("return;", 0)]
    [InlineData("return();", 0)]
    [InlineData("return(1);", 1)]
    [InlineData("return 2;", 1)]
    [InlineData("return($var(x));", 1)]
    [InlineData("return(1, \"a\", $var(b));", 3)]
    public void ReturnForms(string text, int values) =>
        Assert.Equal(values, Assert.IsType<ReturnStatement>(Assert.Single(ParseRoute(text))).Values.Count);

    [Theory]
    [InlineData("=", AssignmentOperator.Assign)]
    [InlineData(":=", AssignmentOperator.AssignReplace)]
    [InlineData("+=", AssignmentOperator.Add)]
    [InlineData("-=", AssignmentOperator.Subtract)]
    [InlineData("*=", AssignmentOperator.Multiply)]
    [InlineData("/=", AssignmentOperator.Divide)]
    [InlineData("%=", AssignmentOperator.Modulo)]
    [InlineData("&=", AssignmentOperator.BitwiseAnd)]
    [InlineData("|=", AssignmentOperator.BitwiseOr)]
    [InlineData("^=", AssignmentOperator.BitwiseXor)]
    public void AssignmentOperators(string op, AssignmentOperator expected)
    {
        var a = Assert.IsType<AssignmentStatement>(Assert.Single(ParseRoute($"$var(x) {op} 1;")));
        Assert.Equal(expected, a.Operator);
        Assert.Equal("var", a.Target.Syntax.Name);
    }

    [Fact]
    public void CallsTakeAnyArgumentsOrNoParentheses()
    {
        var statements = ParseRoute("sl_send_reply(404, \"Not Here\");\nsl_reply_error;\nhas_totag();\nsetflag(NAT);\nxlog(\"L_INFO\", \"$ru\");");
        var calls = statements.Cast<ExpressionStatement>().Select(s => s.Call).ToList();
        Assert.Equal(2, calls[0].Arguments.Count);
        Assert.False(calls[1].HasParentheses);
        Assert.True(calls[2].HasParentheses);
        Assert.Empty(calls[2].Arguments);
        Assert.Equal("NAT", Assert.IsType<NameExpression>(calls[3].Arguments[0]).Name);
        Assert.Equal(2, calls[4].Arguments.Count);
    }

    [Fact]
    public void RouteCallCarriesNameAndArguments()
    {
        var call = Assert.IsType<ExpressionStatement>(Assert.Single(ParseRoute("route(relay, \"a\", 2);"))).Call;
        Assert.True(call.IsRouteCall);
        Assert.Equal("relay", Assert.IsType<NameExpression>(call.Arguments[0]).Name);
        Assert.Equal(3, call.Arguments.Count);
    }

    [Theory]
    [InlineData("$a || $b && $c", "($a || ($b && $c))")]
    [InlineData("$a or $b and $c", "($a || ($b && $c))")]
    [InlineData("$a == 1 && $b != 2", "(($a == 1) && ($b != 2))")]
    [InlineData("$a + 1 * 2 == 3", "(($a + (1 * 2)) == 3)")]
    [InlineData("$a - 1 - 2", "(($a - 1) - 2)")]
    [InlineData("$a | $b & $c", "($a | ($b & $c))")]
    [InlineData("$a & $b ^ $c", "($a & ($b ^ $c))")]
    [InlineData("$a << 1 == 2", "($a << (1 == 2))")]
    [InlineData("$a < 1 == $b > 2", "(($a < 1) == ($b > 2))")]
    [InlineData("!$a && not $b", "(!$a && !$b)")]
    [InlineData("-$a * ~$b % 3", "((-$a * ~$b) % 3)")]
    [InlineData("$a =~ \"^x\" || $b !~ \"y\"", "(($a =~ ^x) || ($b !~ y))")]
    [InlineData("($a || $b) && $c", "(($a || $b) && $c)")]
    public void ExpressionsFollowOpenSipsPrecedence(string text, string expected)
    {
        Assert.Equal(expected, Show(ParseCondition(text)));
    }

    [Fact]
    public void NullAndMyselfAndNetworksAreOperands()
    {
        var n = Assert.IsType<BinaryExpression>(ParseCondition("$rU == NULL"));
        Assert.Equal(LiteralKind.Null, Assert.IsType<LiteralExpression>(n.Right).Kind);
        Assert.IsType<MyselfExpression>(Assert.IsType<BinaryExpression>(ParseCondition("uri == myself")).Right);
        var net = Assert.IsType<AddressExpression>(Assert.IsType<BinaryExpression>(ParseCondition("$si == 10.0.0.0/8")).Right);
        Assert.True(net.IsNetwork);
        Assert.Equal(8, net.PrefixLength);
        Assert.False(Assert.IsType<AddressExpression>(Assert.IsType<BinaryExpression>(ParseCondition("$si != ::1")).Right).IsNetwork);
    }

    [Theory]
    [InlineData("method", "rm")]
    [InlineData("uri", "ru")]
    [InlineData("status", "rs")]
    [InlineData("from_uri", "fu")]
    [InlineData("to_uri", "tu")]
    [InlineData("src_ip", "si")]
    [InlineData("src_port", "sp")]
    [InlineData("dst_ip", "Ri")]
    [InlineData("dst_port", "Rp")]
    [InlineData("proto", "pr")]
    [InlineData("af", "af")]
    public void LegacyKeywordsBecomePseudoVariables(string keyword, string pv)
    {
        var b = Assert.IsType<BinaryExpression>(ParseCondition($"{keyword} == \"x\""));
        var v = Assert.IsType<PseudoVariableExpression>(b.Left);
        Assert.Equal(pv, v.Syntax.Name);
        Assert.Equal(keyword, v.LegacyKeyword);
    }

    [Fact]
    public void BareFunctionNameInConditionIsACall()
    {
        var u = Assert.IsType<UnaryExpression>(ParseCondition("!has_totag"));
        Assert.False(Assert.IsType<CallExpression>(u.Operand).HasParentheses);
    }

    [Theory]
    [InlineData("route {\n  exit\n}", "test.cfg:3:1: expected ';' after exit, found '}'")]
    [InlineData("route {\n  if $rm == 1 exit;\n}", "test.cfg:2:6: expected '(' after if, found '$rm'")]
    [InlineData("route {\n  else exit;\n}", "test.cfg:2:3: 'else' without a matching 'if'")]
    [InlineData("route {\n  case 1: exit;\n}", "test.cfg:2:3: 'case' outside a switch")]
    [InlineData("route {\n  $var(x) 1;\n}", "test.cfg:2:11: expected an assignment operator after $var(x), found '1'")]
    [InlineData("route {\n  xlog(\"a\";\n}", "test.cfg:2:11: expected ')' or ',' in the arguments of xlog, found ';'")]
    [InlineData("route {\n  exit;\n", "test.cfg:1:7: '{' is never closed")]
    [InlineData("route {\n  switch ($rm) { exit; }\n}", "test.cfg:2:18: expected 'case' or 'default' in switch, found 'exit'")]
    [InlineData("route {\n  switch ($rm) { case $x: exit; }\n}", "test.cfg:2:23: a case value must be a number or a string, found '$x'")]
    [InlineData("route {\n  for ($var(x) of $(avp(y)[*])) { exit; }\n}", "test.cfg:2:16: expected 'in' after the loop variable, found 'of'")]
    [InlineData("route {\n  for (x in $(avp(y)[*])) { exit; }\n}", "test.cfg:2:8: expected the loop variable after 'for (', found 'x'")]
    [InlineData("route {\n  for ($var(x) in \"abc\") { exit; }\n}", "test.cfg:2:19: expected the values to loop over after 'in' (e.g. $(avp(list)[*])), found string \"abc\"")]
    [InlineData("log_level 3\nroute { exit; }", "test.cfg:1:11: expected '=' after global parameter 'log_level', found '3'")]
    [InlineData("#!define X\nroute { exit; }", "test.cfg:1:1: directive '#!define X' is not supported (pre-process the file with m4 or cpp)")]
    [InlineData("failure_route { exit; }", "test.cfg:1:1: failure_route needs a name: failure_route[name]")]
    [InlineData("error_route[x] { exit; }", "test.cfg:1:1: error_route takes no name")]
    [InlineData("timer_route[t] { exit; }", "test.cfg:1:14: expected ',' and an interval in timer_route[name, seconds], found ']'")]
    [InlineData("modparam(\"sl\" \"x\", 1)", "test.cfg:1:15: expected ',' in modparam, found string \"x\"")]
    [InlineData("loadmodule sl", "test.cfg:1:12: expected a quoted module file name after loadmodule, found 'sl'")]
    [InlineData("42", "test.cfg:1:1: expected a global parameter, loadmodule, modparam or a route block, found '42'")]
    public void SyntaxErrorsReportMessageAndPosition(string text, string expected)
    {
        Parse(text, out var bag);
        Assert.Equal(expected, bag.ToSortedList()[0].ToString());
    }

    [Fact]
    public void ParserRecoversAndReportsEverySyntaxError()
    {
        Parse("route {\n  exit\n  $var(x) 1;\n  xlog(\"ok\");\n  drop\n}\nroute[a] { exit; }", out var bag);
        var errors = bag.ToSortedList().Select(d => d.ToString()).ToList();
        Assert.Equal(
        [
            "test.cfg:3:3: expected ';' after exit, found '$var(x)'",
            "test.cfg:6:1: expected ';' after drop, found '}'",
        ], errors);
    }

    private static string Show(Expression e) => e switch
    {
        BinaryExpression b => $"({Show(b.Left)} {Op(b.Operator)} {Show(b.Right)})",
        UnaryExpression u => (u.Operator switch { UnaryOperator.Not => "!", UnaryOperator.Negate => "-", _ => "~" }) + Show(u.Operand),
        PseudoVariableExpression p => p.Syntax.Text,
        LiteralExpression l => l.ToString(),
        _ => e.GetType().Name,
    };

    private static string Op(BinaryOperator op) => op switch
    {
        BinaryOperator.Or => "||",
        BinaryOperator.And => "&&",
        BinaryOperator.BitwiseOr => "|",
        BinaryOperator.BitwiseAnd => "&",
        BinaryOperator.BitwiseXor => "^",
        BinaryOperator.Equal => "==",
        BinaryOperator.NotEqual => "!=",
        BinaryOperator.Less => "<",
        BinaryOperator.Greater => ">",
        BinaryOperator.Match => "=~",
        BinaryOperator.NotMatch => "!~",
        BinaryOperator.ShiftLeft => "<<",
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Modulo => "%",
        _ => op.ToString(),
    };
}
