using Hyperproxy.Testing;

namespace Hyperproxy.Script.Tests.Runtime;

public sealed class AllocationTests
{
    private const int Runs = 100_000;

    internal const string ComplexBody =
        "$var(n) = 0; $var(s) = \"\";\n"
        + "while ($var(n) < 4) { $var(s) = $var(s) + $rU + \",\"; $var(n) += 1; }\n"
        + "if ($ru =~ \"^sip:[a-z]+@example\\.com\" && $(ru{uri.host}{s.len}) > 3 && $si == 10.0.0.0/8) { $var(ok) = 1; }\n"
        + "switch ($rm) { case \"BYE\": $var(k) = \"bye\"; break; case \"INVITE\": $var(k) = \"inv\" + $cs; break; default: $var(k) = NULL; }\n"
        + "if ($(hdr(X-P){param.value,b}) == \"2\" && is_method(\"INVITE|BYE\") && !has_totag()) { setflag(7); }\n"
        + "$du = \"sip:\" + $rd + \":5070\"; $rU = \"carol\";\n"
        + "route(sub, $var(s));\n"
        + "xlog(\"L_DBG\", \"not formatted: $var(s)\");\n"
        + "sl_send_reply(200, \"OK $var(k)\");\n";

    private static long AllocatedOver(ScriptRun run, string message)
    {
        run.Host.Recording = false;
        run.Load(message);
        for (int i = 0; i < 2000; i++)
        {
            run.Execute(ScriptRun.Uac); // warm-up: JIT tiers, regex DFA states
        }

        int before = run.Host.ReplyCount;
        long allocated = Allocations.Least(() =>
        {
            for (int i = 0; i < Runs; i++)
            {
                run.Execute(ScriptRun.Uac);
            }
        });
        Assert.Equal(0, run.Context.RuntimeErrors);
        Assert.Equal(0, (run.Host.ReplyCount - before) % Runs); // every run replied, or none did
        return allocated;
    }

    [Theory]
    [InlineData("OPTIONS", "sip:127.0.0.1", "")]
    [InlineData("REGISTER", "sip:127.0.0.1", "")]
    [InlineData("BYE", "sip:bob@10.0.0.7:5070", "Route: <sip:127.0.0.1;lr>\r\n")]
    public void DefaultScriptAllocatesNothing(string method, string ruri, string extra)
    {
        var run = new ScriptRun(ScriptLoader.DefaultScriptText, wholeScript: true);
        string message = ScriptRun.Request(method, ruri, extra);
        if (method == "BYE")
        {
            message = message.Replace("To: <sip:bob@biloxi.example.com>", "To: <sip:bob@biloxi.example.com>;tag=t9", StringComparison.Ordinal);
        }

        Assert.Equal(0, AllocatedOver(run, message));
    }

    [Fact]
    public void ScriptWithVarsRegexConcatenationSwitchAndWhileAllocatesNothing()
    {
        string script = ScriptTestHelper.ModuleLines + "route {\n" + ComplexBody + "}\nroute[sub] { if ($param(1) =~ \"bob,\") return(2); return(-1); }\n";
        var run = new ScriptRun(script, wholeScript: true);
        run.Run(ScriptRun.Request(extra: "X-P: a=1;b=2\r\n"));
        Assert.Equal((200, "OK inv314", ""), run.Host.Replies[^1]);
        Assert.True(run.Context.IsFlagSet(7));
        Assert.Equal(0, AllocatedOver(run, ScriptRun.Request(extra: "X-P: a=1;b=2\r\n")));
    }

    [Fact]
    public void AvpStackTimeStatAndPathAllocateNothing()
    {
        string body = "$avp(a) = $ru; $avp(a) = 5; $avp(a) += 1; $var(x) = $(avp(a)[1]) + $(avp(a)[*]); $avp(a) = NULL; $avp(b) := \"z\";\n"
            + "$var(t) = $time(%F %T) + $Ts + $Tsm; $var(s) = $stat(rcv_requests); if ($stat(other) == NULL && $path == NULL) $var(p) = 1;\n"
            + "sl_send_reply(200, \"OK\");\n";
        var run = new ScriptRun(body);
        run.Run(ScriptRun.Request());
        Assert.Equal((200, "OK", ""), run.Host.Replies[^1]);
        Assert.Equal(0, AllocatedOver(run, ScriptRun.Request()));
    }

    [Fact]
    public void ForEachReturnValuesAndStringTransformationsAllocateNothing()
    {
        string script = ScriptTestHelper.ModuleLines + "route {\n"
            + "$avp(l) := NULL; $avp(l) = \"a\"; $avp(l) = $rU; $var(all) = \"\";\n"
            + "for ($var(v) in $(avp(l)[*])) { $var(all) = $var(all) + $var(v); }\n"
            + "for ($var(h) in $(hdr(X-P)[*])) { $var(all) = $var(all) + $(var(h){param.value,b}); }\n"
            + "route(pick, $var(all));\n"
            + "$var(x) = $(return(0){s.substr,1,2}) + $(hdr(X-P){s.select,-1,;}) + $(ru{s.md5}) + $(fu{s.trim}) + $(si{ip.isip}) + $(hdr(From){nameaddr.param,tag}) + $(ru{uri.scheme});\n"
            + "sl_send_reply(200, \"OK $var(x) $return(1)\");\n"
            + "}\nroute[pick] { return(1, $param(1) + \"!\", 7); }\n";
        var run = new ScriptRun(script, wholeScript: true);
        run.Run(ScriptRun.Request(extra: "X-P: a=1;b=2\r\n"));
        Assert.Equal(0, run.Context.RuntimeErrors);
        Assert.Equal((200, "OK obb=256fd36d2cf3fda77e818509dd3ce1325sip:alice@atlanta.example.com1f1sip 7", ""), run.Host.Replies[^1]);
        Assert.Equal(0, AllocatedOver(run, ScriptRun.Request(extra: "X-P: a=1;b=2\r\n")));
    }
}
