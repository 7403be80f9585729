using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Script.Tests.Runtime;

/// <summary>startup_route, timer_route and error_route: compiled and run without (or with a bad) message.</summary>
public sealed class SpecialRouteTests
{
    private const string Main = "route {\n exit;\n}\n";

    private static ScriptRun Whole(string routes) => new(ScriptTestHelper.ModuleLines + Main + routes, wholeScript: true);

    [Fact]
    public void StartupRouteRunsWithoutAMessageAndItsVarsAndXlogWork()
    {
        ScriptRun run = Whole("startup_route {\n $var(n) = 20; $var(n) = $var(n) + 1; xlog(\"L_NOTICE\", \"started n=$var(n)\");\n}\n");
        Assert.True(run.Script.HasStartupRoute);
        run.Script.RunStartup(run.Context);
        Assert.True(run.Context.WithoutMessage);
        Assert.Equal("2 started n=21", Assert.Single(run.Host.Logs));
        Assert.Empty(run.Host.Replies);
    }

    [Fact]
    public void StartupRouteReadingMessageVariablesFailsCleanly()
    {
        ScriptRun run = Whole("startup_route {\n xlog(\"ru=$ru ci=$ci fu=$fu\"); xlog(\"after\");\n}\n");
        run.Script.RunStartup(run.Context);
        Assert.Equal(["-1 ru=<null> ci= fu=<null>", "-1 after"], run.Host.Logs);
    }

    [Theory]
    [InlineData("startup_route {\n sl_send_reply(200, \"OK\");\n}\n", "sl_send_reply")]
    [InlineData("startup_route {\n forward(\"127.0.0.1\");\n}\n", "forward")]
    [InlineData("timer_route[t, 5] {\n is_method(\"INVITE\");\n}\n", "is_method")]
    [InlineData("timer_route[t, 5] {\n sl_send_reply(200, \"OK\");\n}\n", "sl_send_reply")]
    public void MessageFunctionsAreRefusedInMessagelessRoutesAtLoadTime(string routes, string function)
    {
        List<string> errors = ScriptTestHelper.Errors(ScriptTestHelper.ModuleLines + Main + routes);
        Assert.Contains(errors, e => e.Contains(function, StringComparison.Ordinal));
    }

    [Fact]
    public void TimerRoutesAreCompiledWithNameAndInterval()
    {
        ScriptRun run = Whole("timer_route[tick, 1] {\n $var(t) = $var(t) + 1; xlog(\"tick $var(t)\");\n}\ntimer_route[slow, 30] {\n xlog(\"slow\");\n}\n");
        Assert.Equal(2, run.Script.Timers.Count);
        Assert.Equal("tick", run.Script.Timers[0].Name);
        Assert.Equal(1, run.Script.Timers[0].IntervalSeconds);
        Assert.Equal(30, run.Script.Timers[1].IntervalSeconds);
        run.Script.Timers[0].Run(run.Context);
        run.Script.Timers[0].Run(run.Context);
        Assert.Equal(["-1 tick 1", "-1 tick 2"], run.Host.Logs);
    }

    [Fact]
    public void ErrorRouteSeesErrVariablesAndAnswersTheBadRequest()
    {
        ScriptRun run = Whole("error_route {\n xlog(\"class=$err.class level=$err.level rcode=$err.rcode rreason=$err.rreason\"); sl_send_reply(400, \"Bad: $err.info\");\n}\n");
        Assert.True(run.Script.HasErrorRoute);
        run.Load(ScriptRun.Request());
        Assert.Equal(Hyperproxy.Sip.SipError.None, run.Message.Parse(System.Text.Encoding.ASCII.GetBytes(ScriptRun.Request()), 0, ScriptRun.Request().Length));
        run.Edits.Reset(run.Message);
        run.Context.BeginError(run.Message, run.Edits, ScriptRun.Uac, 0, 400, "Bad CSeq"u8, "Bad CSeq"u8);
        Assert.True(run.Script.RunError(run.Context));
        Assert.Equal("-1 class=1 level=3 rcode=400 rreason=Bad CSeq", Assert.Single(run.Host.Logs));
        Assert.Equal((400, "Bad: Bad CSeq", ""), Assert.Single(run.Host.Replies));
    }

    [Fact]
    public void ErrVariablesAreNullOutsideAnErrorRun()
    {
        ScriptRun run = Whole("error_route {\n if ($err.class == NULL) xlog(\"none\"); else xlog(\"some\");\n}\n");
        run.Run(ScriptRun.Request());
        run.Context.Begin(run.Message, run.Edits, ScriptRun.Uac, 0);
        Assert.True(run.Script.RunError(run.Context));
        Assert.Equal("-1 none", Assert.Single(run.Host.Logs));
    }

    [Fact]
    public void ScriptWithoutErrorRouteSaysSo()
    {
        ScriptRun run = Whole(string.Empty);
        Assert.False(run.Script.HasErrorRoute);
        Assert.False(run.Script.HasStartupRoute);
        Assert.Empty(run.Script.Timers);
        Assert.False(run.Script.RunError(run.Context));
    }
}
