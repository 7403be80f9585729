using System.Globalization;
using System.Net;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Tm;

/// <summary>
/// A SIPp caller authenticating to Hyperproxy with tm (Scenarios/Tm/hyperproxy-tm-auth.cfg: t_newtran, then
/// proxy_authorize / proxy_challenge against a db_text subscriber table) before its call reaches a SIPp callee:
/// INVITE, 407 from the transaction, ACK absorbed, INVITE with [authentication], then 180/200/ACK/BYE through the proxy.
/// </summary>
public sealed class TmAuthSippTests
{
    private const int SippTimeoutSeconds = 30;

    [Fact]
    public async Task CallerAuthenticatesWithProxyChallengeThenTheCallGoesThroughTm()
    {
        const int Calls = 5;
        string folder = SippRun.NewWorkFolder();
        try
        {
            string db = Path.Combine(folder, "db");
            Directory.CreateDirectory(db);
            await File.WriteAllTextAsync(Path.Combine(db, "subscriber"),
                "id(int,auto) username(string) domain(string) password(string) ha1(string)\n1:alice:127.0.0.1:secret:x\n");
            string config = Path.Combine(folder, "hyperproxy-tm-auth.cfg");
            await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(SippRun.Scenario("Tm/hyperproxy-tm-auth.cfg")))
                .Replace("@DB@", db, StringComparison.Ordinal));
            await using HyperproxyProcess proxy = await HyperproxyProcess.StartOnFreePortAsync(ipv6: false, workers: 2, "--config", config);

            int calleePort = Ports.FreeUdpPort();
            Task<SippResult> uas = SippRun.RunAsync(folder, "callee", SippTimeoutSeconds,
                "-sf", SippRun.Scenario("Tm/uas-answer.xml"), "-i", "127.0.0.1", "-p", Text(calleePort), "-m", Text(Calls),
                "-trace_msg", "-message_file", Path.Combine(folder, "callee.msg"));
            await WaitBoundAsync(calleePort, uas);

            SippResult uac = await SippRun.RunAsync(folder, "caller", SippTimeoutSeconds,
                "-sf", SippRun.Scenario("Tm/uac-call-auth.xml"),
                "127.0.0.1:" + Text(calleePort),
                "-rsa", "127.0.0.1:" + Text(proxy.Port),
                "-s", "bob",
                "-i", "127.0.0.1",
                "-p", "0", // a port the system picks: no window for another test to take it
                "-m", Text(Calls),
                "-r", "10",
                "-trace_msg", "-message_file", Path.Combine(folder, "caller.msg"));
            SippResult callee = await uas;
            string context = $"=== caller\n{uac}\n=== callee\n{callee}\n=== proxy\n{proxy}\n=== caller messages\n{Tail(Path.Combine(folder, "caller.msg"))}";

            Assert.True(uac.Run.ExitCode == 0 && uac.Successful == Calls, context);
            Assert.True(callee.Run.ExitCode == 0 && callee.Successful == Calls, context);
            Assert.Equal(Calls, SippScreen.Step(uac.Screen, "407").Messages);
            // Only authenticated INVITEs reach the callee, each once.
            Assert.Equal(Calls, SippScreen.Step(callee.Screen, "INVITE").Messages);
            string calleeMessages = await File.ReadAllTextAsync(Path.Combine(folder, "callee.msg"));
            Assert.DoesNotContain("Proxy-Authorization", calleeMessages, StringComparison.OrdinalIgnoreCase); // consumed
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Tail(string file)
    {
        if (!File.Exists(file))
        {
            return "(none)";
        }

        string text = File.ReadAllText(file);
        return text.Length > 6000 ? text[^6000..] : text;
    }

    /// <summary>Waits (bounded) until the SIPp callee has bound its port, so the first INVITE is not lost.</summary>
    private static async Task WaitBoundAsync(int port, Task<SippResult> uas)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Ports.IsFree(IPAddress.Loopback, port))
        {
            if (uas.IsCompleted)
            {
                Assert.Fail("the SIPp callee exited before it was listening\n" + await uas);
            }

            Assert.True(DateTime.UtcNow < deadline, $"the SIPp callee did not bind 127.0.0.1:{port} within 10 s");
            await Task.Delay(20); // polling interval of a bounded wait, not a synchronisation sleep
        }
    }
}
