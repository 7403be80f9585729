using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Management;

/// <summary>What the management side refuses at start-up, and MI shutdown.</summary>
public sealed class ManagementStartupTests
{
    [Fact]
    public async Task AManagementPortOffLoopbackIsRefusedWithoutAllowRemote()
    {
        string error = await StartFailsAsync(ManagedServer.Script("modparam(\"httpd\", \"ip\", \"0.0.0.0\")\n"));
        Assert.Contains("not a loopback address", error, StringComparison.Ordinal);
        Assert.Contains("allow_remote", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MiHttpWithoutHttpdIsRefused()
    {
        string error = await StartFailsAsync("loadmodule \"sl.so\"\nloadmodule \"mi_http.so\"\nroute { sl_send_reply(200, \"OK\"); }\n");
        Assert.Contains("mi_http needs the httpd module", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATraceIdToAnUndeclaredHepIdStopsStartUpAtItsLine()
    {
        string error = await StartFailsAsync(ManagedServer.Script("modparam(\"tracer\", \"trace_id\", \"[x]uri=hep:nowhere\")\n"));
        Assert.Contains("proto_hep declares no hep_id [nowhere]", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MiShutdownStopsTheServerCleanly()
    {
        await using ManagedServer s = await ManagedServer.StartAsync();
        Assert.Equal("OK", (string)(await s.MiAsync("shutdown"))!);
        var deadline = DateTime.UtcNow + ManagedServer.Bound;
        while (!s.Process.HasExited && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.True(s.Process.HasExited, s.Process.ToString());
        Assert.Contains("MI shutdown, stopping", s.Process.StandardError, StringComparison.Ordinal);
    }

    private static async Task<string> StartFailsAsync(string script)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"hp-mgmt-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        string config = Path.Combine(directory, "s.cfg");
        await File.WriteAllTextAsync(config, script.Replace("{DIR}", directory, StringComparison.Ordinal));
        await using HyperproxyProcess p = await HyperproxyProcess.StartAsync(Ports.FreeUdpPort(), ["--listen", "udp:127.0.0.1:" + Ports.FreeUdpPort(), "--config", config, "--data-dir", directory]);
        Assert.False(await p.WaitReadyAsync(), p.ToString());
        return p.StandardError;
    }
}
