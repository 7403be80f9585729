using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Management;

/// <summary><c>hyperproxy ctl</c> against a running server, as an operator types it.</summary>
public sealed class CtlTests(ManagedServerFixture fixture) : IClassFixture<ManagedServerFixture>
{
    private ManagedServer S => fixture.Server;

    private Task<ToolResult> Ctl(params string[] args) =>
        ToolRun.RunAsync("dotnet", [HyperproxyProcess.DllPath, "ctl", "--url", S.MiUrl, .. args], ManagedServer.Bound);

    [Fact]
    public async Task GetStatisticsPrintsOneAlignedLinePerStatistic()
    {
        Assert.Equal(0, (await S.PingAsync()).ExitCode);
        ToolResult r = await Ctl("get_statistics", "core:", "sl:");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"(?m)^core:rcv_requests\s+[1-9][0-9]*$", r.Output);
        Assert.Matches(@"(?m)^sl:2xx_replies\s+[0-9]+$", r.Output);
    }

    [Fact]
    public async Task PsPrintsATableAndJsonPrintsTheRawResult()
    {
        ToolResult table = await Ctl("ps");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"(?m)^ID\s+PID\s+Type$", table.Output);
        Assert.Contains("SIP receiver udp:127.0.0.1:", table.Output, StringComparison.Ordinal);
        ToolResult json = await Ctl("--json", "ps");
        Assert.StartsWith("{\"Processes\":[", json.Output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UlDumpListsARegisteredContact()
    {
        Assert.Equal(0, (await S.RegisterAsync("ctlbob", "10.7.7.7")).ExitCode);
        ToolResult r = await Ctl("ul_dump");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"(?m)^ctlbob\s+sip:ctlbob@10\.7\.7\.7\s+\d+", r.Output);
    }

    [Fact]
    public async Task NamedParametersAndMiErrorsExitOne()
    {
        ToolResult shown = await Ctl("ul_show_contact", "table_name=location", "aor=nobody-here");
        Assert.Equal(1, shown.ExitCode);
        Assert.Contains("error 404: AOR not found", shown.Error, StringComparison.Ordinal);
        ToolResult unknown = await Ctl("no_such_command");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("-32601", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAnswersInNagiosFormWithPerfdataAndExitCodes()
    {
        Assert.Equal(0, (await S.PingAsync()).ExitCode);
        ToolResult ok = await Ctl("check");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Matches(@"^HYPERPROXY OK - busy \d+%, drops 0\.00%, \d+ registered \| busy=\d+%;80;95;0;100 drops=0\.00%;1;5;0;100 registered=\d+;0;;0 rcv_requests=\d+c rcv_replies=\d+c$", ok.Output.Trim());

        ToolResult warning = await Ctl("check", "--min-registered", "1000000");
        Assert.Equal(1, warning.ExitCode);
        Assert.StartsWith("HYPERPROXY WARNING - ", warning.Output, StringComparison.Ordinal);

        ToolResult down = await ToolRun.RunAsync("dotnet", [HyperproxyProcess.DllPath, "ctl", "--url", "http://127.0.0.1:1/mi", "check"], ManagedServer.Bound);
        Assert.Equal(2, down.ExitCode);
        Assert.StartsWith("HYPERPROXY CRITICAL - cannot reach", down.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableServerIsSaidPlainly()
    {
        // Port 1 (tcpmux) is privileged and nothing here serves it: the connection is refused.
        ToolResult r = await ToolRun.RunAsync("dotnet", [HyperproxyProcess.DllPath, "mi", "--url", "http://127.0.0.1:1/mi", "ps"], ManagedServer.Bound);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("cannot reach the management interface", r.Error, StringComparison.Ordinal);
    }
}
