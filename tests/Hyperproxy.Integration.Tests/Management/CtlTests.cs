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

    [Fact]
    public async Task TracePcapWritesTheTracedMessagesAsAPcapAnIndependentDecoderReads()
    {
        string pcap = Path.Combine(Path.GetTempPath(), $"hp-ctl-{Guid.NewGuid():N}.pcap");
        try
        {
            Task<ToolResult> run = Ctl("trace", "--pcap", pcap, "--count", "2", "--duration", "60");
            await WaitForFileAsync(pcap);
            Assert.Equal(0, (await S.PingAsync()).ExitCode);
            ToolResult r = await run;
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains($"2 message(s) written to {pcap}", r.Output, StringComparison.Ordinal);

            List<PcapPacket> packets = PcapPacket.ReadAll(await File.ReadAllBytesAsync(pcap));
            Assert.Equal(2, packets.Count);
            Assert.StartsWith("OPTIONS sip:ping@127.0.0.1", packets[0].Payload, StringComparison.Ordinal);
            Assert.Equal(S.SipPort, packets[0].DestinationPort);
            Assert.StartsWith("SIP/2.0 200 OK", packets[1].Payload, StringComparison.Ordinal);
            Assert.Equal(S.SipPort, packets[1].SourcePort);
            Assert.Equal(packets[0].SourcePort, packets[1].DestinationPort);
            Assert.All(packets, p => Assert.Equal("127.0.0.1", p.Source));
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    [Fact]
    public async Task TracePcapStopsCleanlyOnCtrlCAndLeavesTracingAsItWas()
    {
        string pcap = Path.Combine(Path.GetTempPath(), $"hp-ctl-{Guid.NewGuid():N}.pcap");
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { HyperproxyProcess.DllPath, "ctl", "--url", S.MiUrl, "trace", "--pcap", pcap })
            info.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(info)!;
        try
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            await WaitForFileAsync(pcap);
            Assert.Equal(0, (await S.PingAsync()).ExitCode);
            Assert.True(Posix.Signal(process.Id, Posix.SigInt));
            using var bound = new CancellationTokenSource(ManagedServer.Bound);
            await process.WaitForExitAsync(bound.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.Matches(@"\d+ message\(s\) written to ", await stdout);
            PcapPacket.ReadAll(await File.ReadAllBytesAsync(pcap));
            Assert.Equal("on", (string)(await S.MiAsync("trace"))!["global"]!);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
            File.Delete(pcap);
        }
    }

    private static async Task WaitForFileAsync(string path)
    {
        var deadline = DateTime.UtcNow + ManagedServer.Bound;
        while (!File.Exists(path) || new FileInfo(path).Length < 24)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} was not created");
            await Task.Delay(20);
        }
    }
}
