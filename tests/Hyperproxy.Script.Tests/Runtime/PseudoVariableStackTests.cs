using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Runtime.Variables;

namespace Hyperproxy.Script.Tests.Runtime;

/// <summary><c>$avp</c> as a stack, <c>$time(fmt)</c>, <c>$Ts</c>, <c>$stat(name)</c> and <c>$path</c>.</summary>
public sealed class PseudoVariableStackTests
{
    private static List<string> Logs(string body)
    {
        var run = new ScriptRun(body);
        run.Run(ScriptRun.Request());
        return [.. run.Host.Logs.Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..])];
    }

    [Fact]
    public void AvpAssignmentPushesAndIndexZeroIsTheLastAdded()
    {
        Assert.Equal(["c b a c a"],
            Logs("$avp(x) = \"a\"; $avp(x) = \"b\"; $avp(x) = \"c\"; $var(0) = $(avp(x)[0]); $var(1) = $(avp(x)[1]); $var(2) = $(avp(x)[2]); $var(t) = $avp(x); $var(o) = $(avp(x)[-1]);"
                + "xlog(\"$var(0) $var(1) $var(2) $var(t) $var(o)\");"));
    }

    [Fact]
    public void AvpColonAssignmentReplacesAllValues()
    {
        Assert.Equal(["z null"], Logs("$avp(x) = \"a\"; $avp(x) = \"b\"; $avp(x) := \"z\"; $var(v) = $avp(x); if ($(avp(x)[1]) == NULL) $var(n) = \"null\"; xlog(\"$var(v) $var(n)\");"));
    }

    [Fact]
    public void AvpAssignedNullDeletesTheTopAndColonNullDeletesAll()
    {
        Assert.Equal(["a", "gone"],
            Logs("$avp(x) = \"a\"; $avp(x) = \"b\"; $avp(x) = NULL; $var(v) = $avp(x); xlog(\"$var(v)\"); $avp(x) = \"c\"; $avp(x) := NULL; if ($avp(x) == NULL) xlog(\"gone\");"));
    }

    [Fact]
    public void AvpStarJoinsAllValuesLastAddedFirst()
    {
        Assert.Equal(["2, 1"], Logs("$avp(n) = 1; $avp(n) = 2; $var(s) = $(avp(n)[*]); xlog(\"$var(s)\");"));
    }

    [Fact]
    public void AvpKeepsIntegersAndCompoundAssignmentChangesTheTop()
    {
        Assert.Equal(["15 1"], Logs("$avp(n) = 1; $avp(n) = 5; $avp(n) += 10; $var(a) = $(avp(n)[0]) ; $var(b) = $(avp(n)[1]); xlog(\"$var(a) $var(b)\");"));
    }

    [Fact]
    public void AvpsAreDistinctFromVarsAndAreResetForEachMessage()
    {
        var run = new ScriptRun("if ($avp(k) == NULL) xlog(\"empty\"); $avp(k) = \"v\"; $var(k) = \"w\"; $var(r) = $avp(k); xlog(\"$var(r)\");");
        run.Run(ScriptRun.Request());
        run.Run(ScriptRun.Request());
        Assert.Equal(["empty", "v", "empty", "v"], run.Host.Logs.Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
    }

    [Fact]
    public void AvpStringValuesSurviveLaterArenaUse()
    {
        Assert.Equal(["sip:bob@example.com!"], Logs("$avp(u) = $ru + \"!\"; $var(junk) = \"xxxxxxxxxxxxxxxxxxxxxxx\" + $rU; $var(r) = $avp(u); xlog(\"$var(r)\");"));
    }

    [Fact]
    public void IndexedAvpCannotBeAssigned()
    {
        var program = ScriptTestHelper.LoadOk(ScriptTestHelper.ModuleLines + "route {\n$(avp(x)[1]) = 1;\n}\n");
        Assert.False(ScriptCompiler.TryCompile(program, out _, out var errors));
        Assert.Contains(errors, e => e.ToString().Contains("indexed $avp cannot be written", StringComparison.Ordinal));
    }

    [Fact]
    public void TsIsTheCurrentUnixTime()
    {
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        long ts = long.Parse(ScriptRun.Eval("$Ts"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(ts, before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    [Fact]
    public void TimeFormatsTheLocalTime()
    {
        string year = ScriptRun.Eval("$time(%Y)");
        int now = DateTimeOffset.Now.Year;
        Assert.InRange(int.Parse(year, System.Globalization.CultureInfo.InvariantCulture), now - 1, now + 1);
        Assert.Matches("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$", ScriptRun.Eval("$time(%F %T)"));
    }

    [Theory]
    [InlineData("%Y-%m-%d %H:%M:%S", "2024-03-07 09:05:02")]
    [InlineData("%a %b %e %T %Y", "Thu Mar  7 09:05:02 2024")]
    [InlineData("%D %R %j %p %I %%", "03/07/24 09:05 067 AM 09 %")]
    [InlineData("%A %B %u %w %y", "Thursday March 4 4 24")]
    [InlineData("%s %z", "1709802302 +0000")]
    [InlineData("plain %Q", "plain %Q")]
    public void TimeFormatWritesStrftimeConversions(string format, string expected)
    {
        var t = new DateTimeOffset(2024, 3, 7, 9, 5, 2, TimeSpan.Zero);
        var output = new byte[128];
        int n = TimeFormat.Write(System.Text.Encoding.ASCII.GetBytes(format), t, output);
        Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(output, 0, n));
    }

    [Fact]
    public void StatReadsTheHostCounterAndUnknownIsNull()
    {
        Assert.Equal("42", ScriptRun.Eval("$stat(rcv_requests)"));
        Assert.Equal(["unknown"], Logs("if ($stat(no_such) == NULL) xlog(\"unknown\");"));
    }

    [Fact]
    public void PathIsNullUntilAVectorIsAttachedAndResetPerMessage()
    {
        var run = new ScriptRun("if ($path == NULL) xlog(\"none\"); else { $var(p) = $path; xlog(\"$var(p)\"); }");
        run.Run(ScriptRun.Request());
        Assert.True(run.Context.SetPathVector("<sip:edge.example.com;lr>"u8));
        Assert.Equal("<sip:edge.example.com;lr>", System.Text.Encoding.ASCII.GetString(run.Context.PathVectorValue.Span));
        run.Run(ScriptRun.Request()); // Begin detaches the previous message's vector
        Assert.Equal(["-1 none", "-1 none"], run.Host.Logs);
    }
}
