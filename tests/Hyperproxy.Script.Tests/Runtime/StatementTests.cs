using Hyperproxy.Sip;

namespace Hyperproxy.Script.Tests.Runtime;

public sealed class StatementTests
{
    private static List<string> Logs(string body, string? message = null)
    {
        var run = new ScriptRun(body);
        run.Run(message ?? ScriptRun.Request());
        return run.Host.Logs.Select(l => l[3..]).ToList();
    }

    [Fact]
    public void IfElseChainsPickOneBranch()
    {
        Assert.Equal(["b"], Logs("if ($rm == \"BYE\") xlog(\"a\"); else if (method == \"INVITE\") xlog(\"b\"); else xlog(\"c\");"));
    }

    [Fact]
    public void StringComparisonIsCaseInsensitiveAndOrdered()
    {
        Assert.Equal(["eq", "lt", "short"], Logs("if ($rm == \"invite\") xlog(\"eq\"); if (\"abc\" < \"ABD\") xlog(\"lt\"); if (\"ab\" < \"abc\") xlog(\"short\");"));
    }

    [Fact]
    public void IntegerAndStringComparisonsFollowTypes()
    {
        Assert.Equal(["int", "str-num", "mismatch"], Logs("$var(i) = 10; $var(s) = \"10\"; if ($var(i) > 9) xlog(\"int\"); if ($var(s) == 10) xlog(\"str-num\"); if (!($var(i) == \"abc\")) xlog(\"mismatch\");"));
    }

    [Fact]
    public void RegexMatchIsCaseInsensitiveAndUnanchored()
    {
        Assert.Equal(["m", "n", "d"], Logs("if ($ru =~ \"BOB@\") xlog(\"m\"); if ($ru !~ \"^tel:\") xlog(\"n\"); $var(p) = \"^sip:[a-z]+@\"; if ($ru =~ $var(p)) xlog(\"d\");"));
    }

    [Fact]
    public void SwitchFallsThroughUntilBreakAndTakesDefault()
    {
        string body = "switch ($rm) { case \"INVITE\": xlog(\"i\"); case \"BYE\": xlog(\"b\"); break; case \"ACK\": xlog(\"a\"); default: xlog(\"d\"); }";
        Assert.Equal(["i", "b"], Logs(body));
        Assert.Equal(["a", "d"], Logs(body, ScriptRun.Request("ACK")));
        Assert.Equal(["d"], Logs(body, ScriptRun.Request("OPTIONS")));
    }

    [Fact]
    public void SwitchOnIntegers()
    {
        Assert.Equal(["two"], Logs("$var(x) = 2; switch ($var(x)) { case 1: xlog(\"one\"); break; case 2: xlog(\"two\"); break; }"));
    }

    [Fact]
    public void WhileLoopsAndBreaks()
    {
        Assert.Equal(["0", "1", "2"], Logs("$var(i) = 0; while ($var(i) < 10) { if ($var(i) == 3) break; xlog(\"$var(i)\"); $var(i) = $var(i) + 1; }"));
    }

    [Fact]
    public void WhileStopsAtMaxWhileLoopsWithARuntimeError()
    {
        var run = new ScriptRun("max_while_loops = 5\n" + ScriptTestHelper.ModuleLines + "route { $var(i) = 0; while (1) { $var(i) += 1; } xlog(\"$var(i)\"); }\n", wholeScript: true);
        run.Run(ScriptRun.Request());
        Assert.Equal(1, run.Context.RuntimeErrors);
        Assert.Contains("max_while_loops", run.Host.Logs[0], StringComparison.Ordinal);
        Assert.Equal("-1 5", run.Host.Logs[^1]);
    }

    [Fact]
    public void ArithmeticAndBitwiseOperators()
    {
        Assert.Equal("17", ScriptRun.Eval("3 + 2 * 7"));
        Assert.Equal("0", ScriptRun.Eval("$cs % 7 - 6 + 6 & 1")); // & binds looser than + and -
        Assert.Equal("12", ScriptRun.Eval("3 << 2"));
        Assert.Equal("sip:bob@example.com;x=314", ScriptRun.Eval("$ru + \";x=\" + $cs"));
    }

    [Fact]
    public void DivisionByZeroIsARuntimeErrorOfThatMessageOnly()
    {
        var run = new ScriptRun("$var(z) = 0; $var(r) = 10 / $var(z); xlog(\"after\");");
        run.Run(ScriptRun.Request());
        Assert.Equal(1, run.Context.RuntimeErrors);
        Assert.Contains("test.cfg:6:", run.Host.Logs[0], StringComparison.Ordinal);
        Assert.Equal("-1 after", run.Host.Logs[^1]);
    }

    [Fact]
    public void RouteCallsPassParamsAndReturnCodes()
    {
        string script = ScriptTestHelper.ModuleLines + "route {\n route(check, \"a\", 5);\n xlog(\"rc=$rc\");\n if (route(neg)) xlog(\"yes\"); else xlog(\"no\");\n}\n"
            + "route[check] { xlog(\"$param(1) $param(2) $param(3)\"); return(7); }\n"
            + "route[neg] { return(-1); }\n";
        var run = new ScriptRun(script, wholeScript: true);
        run.Run(ScriptRun.Request());
        Assert.Equal(["-1 a 5 <null>", "-1 rc=7", "-1 no"], run.Host.Logs);
    }

    [Fact]
    public void ReturnValuesReachTheCallerAsReturnVariables()
    {
        string script = ScriptTestHelper.ModuleLines + "route {\n"
            + " route(pair, \"bob\");\n xlog(\"rc=$rc 0=$return(0) 1=$return(1) 2=$return(2)\");\n"
            + " route(plain);\n xlog(\"after plain: $return(0)\");\n"
            + " route(outer);\n xlog(\"after outer: $rc $return(0)\");\n"
            + " route(nested);\n xlog(\"after nested: $rc $return(0)\");\n"
            + " route(relay);\n xlog(\"after relay: $rc $return(0) $return(1)\");\n"
            + "}\n"
            + "route[relay] { route(pair, \"z\"); return(2, $return(1), $return(0)); }\n"
            + "route[pair] { $var(t) = \"user-\" + $param(1); return(4, $var(t), 42); }\n"
            + "route[plain] { xlog(\"in plain\"); }\n"
            + "route[outer] { route(pair, \"x\"); }\n"
            + "route[nested] { route(pair, \"y\"); return(-3, \"own\"); }\n";
        var run = new ScriptRun(script, wholeScript: true);
        run.Run(ScriptRun.Request());
        Assert.Equal(["-1 rc=4 0=user-bob 1=42 2=<null>", "-1 in plain", "-1 after plain: <null>",
            "-1 after outer: 1 <null>", "-1 after nested: -3 own", "-1 after relay: 2 42 user-z"], run.Host.Logs);
    }

    [Fact]
    public void ReturnValuesOutliveTheArenaOfTheRoute()
    {
        // The returned string is built in the arena of the callee; later arena use must not change it.
        string script = ScriptTestHelper.ModuleLines + "route {\n route(build);\n $var(junk) = \"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\" + $rU;\n xlog(\"$return(0)\");\n}\n"
            + "route[build] { return(1, $ru + \";built\"); }\n";
        var run = new ScriptRun(script, wholeScript: true);
        run.Run(ScriptRun.Request());
        Assert.Equal(["-1 sip:bob@example.com;built"], run.Host.Logs);
    }

    [Fact]
    public void ForEachWalksAvpValuesInIndexOrder()
    {
        Assert.Equal(["c", "b", "a", "n=3"],
            Logs("$avp(l) = \"a\"; $avp(l) = \"b\"; $avp(l) = \"c\"; $var(n) = 0; for ($var(v) in $(avp(l)[*])) { xlog(\"$var(v)\"); $var(n) += 1; } xlog(\"n=$var(n)\");"));
        Assert.Equal(["c", "b", "end"],
            Logs("$avp(l) = \"a\"; $avp(l) = \"b\"; $avp(l) = \"c\"; for ($var(v) in $(avp(l)[*])) { if ($var(v) == \"a\") break; xlog(\"$var(v)\"); } xlog(\"end\");"));
        Assert.Equal(["none"], Logs("for ($var(v) in $(avp(empty)[*])) xlog(\"$var(v)\"); xlog(\"none\");"));
        Assert.Equal(["c", "a", "$(avp(l)[0]) = a"],
            Logs("$avp(l) = \"a\"; $avp(l) = \"c\"; for ($avp(l2) in $(avp(l)[*])) xlog(\"$avp(l2)\"); xlog(\"$$(avp(l)[0]) = $avp(l2)\");"));
    }

    [Fact]
    public void ForEachWalksHeaderLines()
    {
        Assert.Equal(["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"],
            Logs("for ($var(r) in $(hdr(Route)[*])) xlog(\"$var(r)\");", ScriptRun.Request(extra: "Route: <sip:p1.example.com;lr>\r\nRoute: <sip:p2.example.com;lr>\r\n")));
    }

    [Fact]
    public void ForEachOverAGrowingListStopsAtMaxWhileLoops()
    {
        var run = new ScriptRun("max_while_loops = 5\n" + ScriptTestHelper.ModuleLines
            + "route { $avp(l) = 1; $var(n) = 0; for ($var(v) in $(avp(l)[*])) { $avp(l) = 1; $var(n) += 1; } xlog(\"$var(n)\"); }\n", wholeScript: true);
        run.Run(ScriptRun.Request());
        Assert.Equal(1, run.Context.RuntimeErrors);
        Assert.Contains("for loop stopped after max_while_loops", run.Host.Logs[0], StringComparison.Ordinal);
        Assert.Equal("-1 5", run.Host.Logs[^1]);
    }

    [Theory]
    [InlineData("  for ($var(v) in $avp(l)) exit;", "test.cfg:6:19: for ... in needs all values of an $avp or $hdr: $(avp(name)[*]) or $(hdr(Name)[*]), not '$avp(l)'")]
    [InlineData("  for ($var(v) in $(ru[*])) exit;", "test.cfg:6:19: pseudo-variable '$ru' cannot be indexed")]
    [InlineData("  for ($rm in $(avp(l)[*])) exit;", "test.cfg:6:8: pseudo-variable '$rm' is read-only")]
    public void ForEachNeedsAWritableVariableAndAllValues(string body, string expected)
    {
        Assert.Contains(expected, ScriptTestHelper.RouteErrors(body));
    }

    [Fact]
    public void ReturnZeroAndExitStopTheWholeScript()
    {
        string script = ScriptTestHelper.ModuleLines + "route {\n route(stop);\n xlog(\"not reached\");\n}\nroute[stop] { return(0); }\n";
        var run = new ScriptRun(script, wholeScript: true);
        run.Run(ScriptRun.Request());
        Assert.Empty(run.Host.Logs);
        Assert.Empty(Logs("exit; xlog(\"x\");"));
    }

    [Fact]
    public void FunctionReturningZeroInAConditionStopsTheScript()
    {
        string script = ScriptTestHelper.ModuleLines + "route {\n if (route(zero) || 1) xlog(\"then\"); xlog(\"after\");\n}\nroute[zero] { exit; }\n";
        var run = new ScriptRun(script, wholeScript: true);
        run.Run(ScriptRun.Request());
        Assert.Empty(run.Host.Logs);
    }

    [Fact]
    public void DropStopsAndMarksTheMessage()
    {
        var run = new ScriptRun("drop; xlog(\"x\");");
        run.Run(ScriptRun.Request());
        Assert.True(run.Context.Dropped);
        Assert.Empty(run.Host.Logs);
    }

    [Fact]
    public void BareVariableTruth()
    {
        Assert.Equal(["s", "i"], Logs("$var(e) = \"\"; $var(s) = \"x\"; $var(z) = 0; $var(i) = 3; if ($var(e)) xlog(\"e\"); if ($var(s)) xlog(\"s\"); if ($var(z)) xlog(\"z\"); if ($var(i)) xlog(\"i\"); if ($var(never)) xlog(\"n\");"));
    }

    [Fact]
    public void NullComparisons()
    {
        Assert.Equal(["tt", "ru"], Logs("if ($tt == NULL) xlog(\"tt\"); if ($ru != NULL) xlog(\"ru\"); if ($rU == NULL) xlog(\"ru-user\");"));
    }

    [Fact]
    public void UriEqualsMyself()
    {
        Assert.Equal(["me"], Logs("if (uri == myself) xlog(\"me\"); if ($fu == myself) xlog(\"from\");", ScriptRun.Request("OPTIONS", "sip:127.0.0.1")));
        Assert.Empty(Logs("if (uri == myself) xlog(\"me\");", ScriptRun.Request("OPTIONS", "sip:127.0.0.1:5070")));
        Assert.Equal(["user", "params"], Logs("if ($ru == myself) xlog(\"user\"); if (myself == uri) xlog(\"params\");", ScriptRun.Request("OPTIONS", "sip:alice@proxy.example.com:5060;transport=udp;lr")));
        Assert.Equal(["not-sips"], Logs("if (uri == myself) xlog(\"sips\"); if (uri != myself) xlog(\"not-sips\");", ScriptRun.Request("OPTIONS", "sips:127.0.0.1")));
        Assert.Equal(["not-bad"], Logs("if (uri == myself) xlog(\"bad\"); if (uri != myself) xlog(\"not-bad\");", ScriptRun.Request("OPTIONS", "sip:127.0.0.1:99999")));
    }

    [Fact]
    public void UriEqualsMyselfFollowsTheRewrittenRequestUri()
    {
        Assert.Equal(["before", "after-rewrite", "after-revert"],
            Logs("if (uri == myself) xlog(\"before\"); seturi(\"sip:bob@192.0.2.1\"); if (uri != myself) xlog(\"after-rewrite\"); revert_uri(); if (uri == myself) xlog(\"after-revert\");",
                ScriptRun.Request("OPTIONS", "sip:bob@127.0.0.1")));
    }

    [Fact]
    public void UriEqualsMyselfOnTheReceivedRequestUriAgreesWithTheValuePathAndTheFullParse()
    {
        // `uri == myself` on an unchanged R-URI starts at the host offset the parser found; a copy in $var takes the
        // general path (scheme and user scan). Seeded R-URIs: both agree, and agree with SipUri.TryParse where it parses.
        string[] schemes = ["sip:", "sips:", "SIP:", "sip:@", "sip::", "tel:"];
        string[] users = ["", "bob@", "a:pw@", "+1%41@", "x@y@", "127.0.0.1@"];
        string[] hosts = ["127.0.0.1", "proxy.example.com", "PROXY.example.com", "127.0.0.10", "[::1]", "example.com", ""];
        string[] ports = ["", ":5060", ":5070", ":0", ":99999", ":", ":5060x"];
        string[] tails = ["", ";lr", ";transport=udp?x=y", "/p", ">"];
        var run = new ScriptRun("if (uri == myself) xlog(\"fast\"); $var(u) = $ru; if ($var(u) == myself) xlog(\"value\");");
        var probe = new SipMessage();
        var random = new Random(77);
        int me = 0;
        int notMe = 0;
        for (int n = 0; n < 10_000; n++)
        {
            string uri = schemes[random.Next(schemes.Length)] + users[random.Next(users.Length)] + hosts[random.Next(hosts.Length)]
                + ports[random.Next(ports.Length)] + tails[random.Next(tails.Length)];
            byte[] request = System.Text.Encoding.ASCII.GetBytes(ScriptRun.Request("OPTIONS", uri));
            if (probe.Parse(request, 0, request.Length) != SipError.None)
            {
                continue;
            }

            run.Host.Logs.Clear();
            run.Run(ScriptRun.Request("OPTIONS", uri));
            List<string> logs = run.Host.Logs.Select(l => l[3..]).ToList();
            bool fast = logs.Contains("fast");
            Assert.True(fast == logs.Contains("value"), uri);
            byte[] text = System.Text.Encoding.ASCII.GetBytes(uri);
            if (SipUri.TryParse(text, out SipUri parsed) && parsed.Scheme != UriScheme.Tel)
            {
                string host = uri.Substring(parsed.Host.Start, parsed.Host.Length);
                int port = parsed.PortNumber != 0 ? parsed.PortNumber : parsed.Scheme == UriScheme.Sips ? 5061 : 5060;
                Assert.True(fast == (host is "127.0.0.1" or "proxy.example.com" && port == 5060), uri);
            }

            if (fast)
            {
                me++;
            }
            else
            {
                notMe++;
            }
        }

        Assert.True(me > 100 && notMe > 100, $"{me} mine, {notMe} not");
    }

    [Fact]
    public void UriIsNeverMyselfInAReply()
    {
        var run = new ScriptRun("loadmodule \"sl.so\"\nroute { exit; }\nonreply_route { if (uri == myself) xlog(\"me\"); if (uri != myself) xlog(\"not-me\"); }\n", wholeScript: true);
        run.Run("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:c@127.0.0.1>\r\nCall-ID: x\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(["-1 not-me"], run.Host.Logs);
    }
}
