using Hyperproxy.Script.Runtime.Nodes;

namespace Hyperproxy.Script.Tests.Runtime;

/// <summary>
/// Routes run as one emitted method each; their behaviour must be exactly that of the node tree they came from.
/// Each script here runs the same messages both ways and every observable result is compared.
/// </summary>
public sealed class EmitterTests
{
    private static readonly string[] s_messages =
    [
        ScriptRun.Request(),
        ScriptRun.Request("OPTIONS", "sip:127.0.0.1"),
        ScriptRun.Request("REGISTER", "sip:127.0.0.1"),
        ScriptRun.Request("BYE", "sip:bob@10.0.0.7:5070", "Route: <sip:127.0.0.1;lr>\r\n"),
        ScriptRun.Request("ACK", "sip:127.0.0.1"),
        ScriptRun.Request("CANCEL", "sip:127.0.0.1"),
        ScriptRun.Request("MESSAGE", "sip:carol@127.0.0.1", "X-P: a=1;b=2\r\n"),
        ScriptRun.Request("OPTIONS", "sip:127.0.0.1").Replace("Max-Forwards: 70", "Max-Forwards: 0", StringComparison.Ordinal),
        ScriptRun.Request("INVITE", "sip:bob@example.com").Replace("Max-Forwards: 70\r\n", "", StringComparison.Ordinal),
    ];

    private const string Loops = """
        route {
            $var(n) = 0; $var(s) = "";
            while ($var(n) < 10) {
                $var(n) += 1;
                if ($var(n) % 2 == 0) { $var(s) = $var(s) + "e"; } else if ($var(n) == 7) { break; } else { $var(s) = $var(s) + "o"; }
            }
            xlog("while $var(n) $var(s)");
            $var(k) = 0;
            while (1) { $var(k) += 1; }
            xlog("bounded $var(k)");
            switch ($rm) {
            case "INVITE": xlog("invite");
            case "BYE": xlog("bye-or-fallthrough"); break;
            case "OPTIONS": xlog("options"); exit;
            case "MESSAGE": if (has_totag()) break; xlog("message"); route(sub, $rU); xlog("rc=$rc r=$return(0)");
            default: xlog("default");
            }
            if (!is_method("REGISTER") && (is_present_hf("X-P") || $rU == "bob") && !(uri == myself)) { xlog("and-or"); } else { xlog("else"); }
            if (route(zero)) xlog("not reached");
            xlog("not reached either");
        }
        route[sub] { if ($param(1) == "carol") return(5, "c"); return(-5); }
        route[zero] { return(0); }
        """;

    public static TheoryData<string> Scripts() =>
    [
        ScriptLoader.DefaultScriptText,
        EveryConstructTests.Script,
        ScriptTestHelper.ModuleLines + "max_while_loops = 50\n" + Loops,
        ScriptTestHelper.ModuleLines + "route {\n" + AllocationTests.ComplexBody + "}\nroute[sub] { if ($param(1) =~ \"bob,\") return(2); return(-1); }\n",
    ];

    [Theory]
    [MemberData(nameof(Scripts))]
    public void EmittedRoutesBehaveLikeTheirNodes(string script)
    {
        var emitted = new ScriptRun(script, wholeScript: true);
        var nodes = new ScriptRun(script, wholeScript: true, emit: false);
        Assert.All(emitted.Script.Routes, r => Assert.True(r.IsEmitted, r.Definition.DisplayName));
        Assert.All(nodes.Script.Routes, r => Assert.False(r.IsEmitted));
        foreach (string message in s_messages)
        {
            emitted.Run(message);
            nodes.Run(message);
            Assert.Equal(nodes.Host.Logs, emitted.Host.Logs);
            Assert.Equal(nodes.Host.Replies, emitted.Host.Replies);
            Assert.Equal(nodes.Host.Forwards, emitted.Host.Forwards);
            Assert.Equal(nodes.Context.RetCode, emitted.Context.RetCode);
            Assert.Equal(nodes.Context.Dropped, emitted.Context.Dropped);
            Assert.Equal(nodes.Context.Flags, emitted.Context.Flags);
            Assert.Equal(nodes.Context.RuntimeErrors, emitted.Context.RuntimeErrors);
            Assert.Equal(nodes.Output(), emitted.Output());
        }

        Assert.True(emitted.Host.Logs.Count + emitted.Host.Replies.Count + emitted.Host.Forwards.Count > 0, "the script did something observable");
    }

    [Fact]
    public void LoopsSwitchAndShortCircuitsGiveTheDocumentedResults()
    {
        var run = new ScriptRun(ScriptTestHelper.ModuleLines + "max_while_loops = 50\n" + Loops, wholeScript: true);
        run.Run(ScriptRun.Request("MESSAGE", "sip:carol@127.0.0.1", "X-P: a=1\r\n"));
        Assert.Equal(["-1 while 7 oeoeoe", "-1 bounded 50", "-1 message", "-1 rc=5 r=c", "-1 default", "-1 else"],
            run.Host.Logs.Where(l => !l.Contains("max_while_loops", StringComparison.Ordinal)).ToList());
        Assert.Equal(1, run.Context.RuntimeErrors);
        Assert.True(run.Script.Routes.All(r => r.IsEmitted));
    }
}
