using System.Text.Json.Nodes;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Management;

/// <summary>
/// nathelper's <c>nh_enable_ping</c> on the real server, through the HTTP MI and <c>hyperproxy ctl</c>: the pinger's
/// status is reported, turned off and on again; a server that does not ping answers OpenSIPS's error.
/// </summary>
public sealed class NathelperMiTests
{
    private const string Pinging = "loadmodule \"nathelper.so\"\nmodparam(\"nathelper\", \"natping_interval\", 30)\n";

    [Fact]
    public async Task NhEnablePingReportsAndSwitchesThePingerOverHttpAndCtl()
    {
        await using ManagedServer s = await ManagedServer.StartAsync(ManagedServer.Script(Pinging));
        Assert.Equal(1, (int)(await s.MiAsync("nh_enable_ping"))!["Status"]!);
        Assert.Equal("OK", (string)(await s.MiAsync("nh_enable_ping", new JsonObject { ["status"] = 0 }))!);
        Assert.Equal(0, (int)(await s.MiAsync("nh_enable_ping"))!["Status"]!);

        ToolResult on = await Ctl(s, "nh_enable_ping", "1");
        Assert.True(on.ExitCode == 0, on.ToString());
        Assert.Equal("OK", on.Output.Trim());
        ToolResult status = await Ctl(s, "--json", "nh_enable_ping");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal("{\"Status\":1}", status.Output.Trim());
    }

    [Fact]
    public async Task NhEnablePingWithoutPingingIsAnError()
    {
        await using ManagedServer s = await ManagedServer.StartAsync(ManagedServer.Script("loadmodule \"nathelper.so\"\n"));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => s.MiAsync("nh_enable_ping"));
        Assert.Contains("NATping disabled from script", e.Message, StringComparison.Ordinal);
        ToolResult r = await Ctl(s, "nh_enable_ping", "1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error 400: NATping disabled from script", r.Error, StringComparison.Ordinal);
    }

    private static Task<ToolResult> Ctl(ManagedServer s, params string[] args) =>
        ToolRun.RunAsync("dotnet", [HyperproxyProcess.DllPath, "ctl", "--url", s.MiUrl, .. args], ManagedServer.Bound);
}
