using System.Globalization;
using System.Net;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// SIPp (Debian sip-tester 3.6.1) against the real server: an OPTIONS load to the proxy itself, and
/// full INVITE/180/200/ACK/BYE/200 calls from a SIPp UAC through the proxy (stateless forward) to
/// a SIPp UAS, over IPv4 and IPv6.
/// </summary>
public sealed class SippTests
{
    private const int OptionsCalls = 200;
    private const int ForwardedCalls = 50;

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task OptionsScenarioGets200ForEveryRequest(string ip)
    {
        await using HyperproxyProcess server = await HyperproxyProcess.StartOnFreePortAsync(ipv6: true, workers: 2);
        string folder = SippRun.NewWorkFolder();
        try
        {
            SippResult r = await SippRun.RunAsync(folder, "options", 30,
                "-sf", SippRun.Scenario("options.xml"),
                Endpoint(ip, server.Port),
                "-i", ip,
                "-p", Port(Ports.FreeUdpPort()),
                "-m", Count(OptionsCalls),
                "-r", "200",
                "-l", "50");

            Assert.True(r.Run.ExitCode == 0, r.ToString());
            Assert.Equal(OptionsCalls, r.Successful);
            Assert.Equal(0, r.Failed);

            ServerCounters counters = await server.StopAndReadCountersAsync();
            Assert.True(counters.LocalReplies >= OptionsCalls, $"{counters}\n{server}");
            Assert.Equal(0, counters.BadRequests);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task CallsThroughTheProxyToASippUasAllSucceed(string ip)
    {
        await using HyperproxyProcess server = await HyperproxyProcess.StartOnFreePortAsync(ipv6: true, workers: 2);
        string folder = SippRun.NewWorkFolder();
        try
        {
            int[] ports = Ports.FreeUdpPorts(2);
            int uasPort = ports[0];
            int uacPort = ports[1];
            Task<SippResult> uas = SippRun.RunAsync(folder, "uas", 30,
                "-sn", "uas", "-i", ip, "-p", Port(uasPort), "-m", Count(ForwardedCalls));
            await WaitBoundAsync(ip, uasPort, uas);

            // The Request-URI names the UAS (service@ip:uasPort); every request is sent to the proxy (-rsa).
            SippResult uac = await SippRun.RunAsync(folder, "uac", 30,
                "-sn", "uac", Endpoint(ip, uasPort),
                "-rsa", Endpoint(ip, server.Port),
                "-s", "service",
                "-i", ip,
                "-p", Port(uacPort),
                "-m", Count(ForwardedCalls),
                "-r", "50",
                "-l", "20");
            SippResult uasResult = await uas;

            Assert.True(uac.Run.ExitCode == 0, "UAC\n" + uac);
            Assert.True(uasResult.Run.ExitCode == 0, "UAS\n" + uasResult);
            Assert.Equal(ForwardedCalls, uac.Successful);
            Assert.Equal(ForwardedCalls, uasResult.Successful);

            // Per call: INVITE, ACK, BYE forwarded; 180, 200, 200 relayed (more only on retransmissions).
            ServerCounters c = await server.StopAndReadCountersAsync();
            Assert.True(c.RequestsForwarded >= 3 * ForwardedCalls, $"{c}\n{server}");
            Assert.True(c.RepliesForwarded >= 3 * ForwardedCalls, $"{c}\n{server}");
            Assert.Equal(c.Requests, c.RequestsForwarded);
            Assert.Equal(c.Replies, c.RepliesForwarded);
            Assert.Equal(0, c.LocalReplies);
            Assert.Equal(0, c.BadRequests + c.BadReplies + c.Garbage);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>host:port as SIPp takes a remote address (IPv6 in brackets).</summary>
    private static string Endpoint(string ip, int port) =>
        (ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]" : ip) + ":" + Port(port);

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Waits (bounded) until the SIPp UAS has bound its port, so the first INVITE is not lost.</summary>
    private static async Task WaitBoundAsync(string ip, int port, Task<SippResult> uas)
    {
        IPAddress address = IPAddress.Parse(ip);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Ports.IsFree(address, port))
        {
            if (uas.IsCompleted)
            {
                Assert.Fail("the SIPp UAS exited before it was listening\n" + await uas);
            }

            Assert.True(DateTime.UtcNow < deadline, $"the SIPp UAS did not bind {ip}:{port} within 10 s");
            await Task.Delay(20); // polling interval of a bounded wait, not a synchronisation sleep
        }
    }
}
