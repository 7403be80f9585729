using System.Globalization;
using System.Text.Json.Nodes;
using Hyperproxy.Integration.Tests.Infrastructure;
using Hyperproxy.Integration.Tests.Management;

namespace Hyperproxy.Integration.Tests.Tm;

/// <summary>
/// MI <c>t_uac_dlg</c> (OpenSIPS 3.x): a request the proxy originates as a tm client transaction on one of its workers,
/// against real SIPp callees on loopback, over UDP and TCP; the answer is the final reply in OpenSIPS's shape, a silent
/// callee ends in tm's 408 after fr_timeout (retransmitted meanwhile), bad parameters get JSON-RPC / OpenSIPS error codes.
/// </summary>
public sealed class TmUacTests
{
    private const string Headers = "From: <sip:mi@hyperproxy.test>\\r\\nTo: <sip:uas@127.0.0.1>\\r\\nContent-Type: text/plain\\r\\n";

    private static string Script(string extra = "") => ManagedServer.Script(
        "loadmodule \"tm.so\"\nmodparam(\"tm\", \"fr_timeout\", 1)\nmodparam(\"tm\", \"T1_timer\", 100)\nmodparam(\"tm\", \"T2_timer\", 400)\n" + extra,
        "route {\n  t_relay();\n}\n");

    private static Task<SippResult> Callee(string folder, string scenario, int port, string transport = "u1", params string[] extra) =>
        SippRun.RunAsync(folder, "uas", 20, ["-sf", SippRun.Scenario(scenario), "-i", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture),
            "-t", transport, "-m", "1", .. extra]);

    [Fact]
    public async Task MessageToASippCalleeOverUdpAnswersTheFinalReplyInOpenSipsShape()
    {
        await using ManagedServer s = await ManagedServer.StartAsync(Script());
        string folder = SippRun.NewWorkFolder();
        try
        {
            int port = Ports.FreeUdpPort();
            Task<SippResult> uas = Callee(folder, "Tm/uas-message.xml", port);
            await SippRun.WaitListeningAsync(port, uas);

            JsonNode result = (await s.MiAsync("t_uac_dlg", new JsonObject
            {
                ["method"] = "MESSAGE",
                ["ruri"] = $"sip:uas@127.0.0.1:{port}",
                ["headers"] = Headers,
                ["body"] = "hello from MI",
            }))!;

            Assert.Equal("200 OK", (string)result["Status"]!);
            string message = (string)result["Message"]!;
            Assert.StartsWith("Via: SIP/2.0/UDP 127.0.0.1:", message, StringComparison.Ordinal);
            Assert.Contains("CSeq: 10 MESSAGE", message, StringComparison.Ordinal);
            Assert.Equal($"sip:uas@127.0.0.1:{port};transport=UDP", (string)result["RURI"]!);
            Assert.Equal((string)result["RURI"]!, (string)result["Next-hop"]!);
            Assert.Null(result["Routes"]);
            SippResult callee = await uas;
            Assert.True(callee.Run.ExitCode == 0, callee.ToString());
            Assert.Equal(1, await s.StatAsync("tm:UAC_transactions"));
            Assert.Equal(0, await s.StatAsync("tm:UAS_transactions"));
            Assert.Equal(0, await WaitInUseAsync(s, 0));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task OptionsThroughTheCtlCliPrintsTheCalleesAnswer()
    {
        await using ManagedServer s = await ManagedServer.StartAsync(Script());
        string folder = SippRun.NewWorkFolder();
        try
        {
            int port = Ports.FreeUdpPort();
            await using var callee = await Dispatcher.SippCallee.StartAsync(folder, "uas", port);
            ToolResult ctl = await ToolRun.RunAsync("dotnet", [HyperproxyProcess.DllPath, "ctl", "--url", s.MiUrl, "--json", "t_uac_dlg", "method=OPTIONS",
                $"ruri=sip:probe@127.0.0.1:{port}", "headers=From: <sip:ctl@hyperproxy.test>\\r\\nTo: <sip:probe@127.0.0.1>\\r\\n"], ManagedServer.Bound);
            Assert.True(ctl.ExitCode == 0, ctl.ToString());
            JsonNode printed = JsonNode.Parse(ctl.Output)!;
            Assert.Equal("200 OK", (string)printed["Status"]!);
            Assert.Contains("CSeq: 10 OPTIONS", (string)printed["Message"]!, StringComparison.Ordinal);
            Assert.InRange(callee.Options(), 1, 3); // T1 is 100 ms here: a slow answer meets a retransmission
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ASilentCalleeGetsRetransmissionsAndTheAnswerIs408AfterFrTimeout()
    {
        await using ManagedServer s = await ManagedServer.StartAsync(Script());
        string folder = SippRun.NewWorkFolder();
        try
        {
            int port = Ports.FreeUdpPort();
            Task<SippResult> uas = Callee(folder, "Tm/uas-message-silent.xml", port);
            await SippRun.WaitListeningAsync(port, uas);
            var started = System.Diagnostics.Stopwatch.StartNew();
            JsonNode result = (await s.MiAsync("t_uac_dlg", new JsonObject
            {
                ["method"] = "MESSAGE",
                ["ruri"] = $"sip:uas@127.0.0.1:{port}",
                ["headers"] = Headers,
                ["body"] = "anyone there?",
            }))!;
            Assert.Equal("408 Request Timeout", (string)result["Status"]!);
            Assert.Null(result["Message"]);
            Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(900), $"answered after {started.Elapsed}, before fr_timeout (1 s)");
            Assert.InRange(await s.StatAsync("tm:retransmissions_sent"), 2, 10); // Timer E: 100, 200, 400, 400 ms
            Assert.Equal(1, await s.StatAsync("tm:timeout_finalresponse"));
            SippResult callee = await uas;
            Assert.True(callee.Run.ExitCode == 0, callee.ToString());
            Assert.Matches(@"MESSAGE\s+\d+\s+[1-9]", callee.Screen); // SIPp counted retransmissions of the MESSAGE
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task MessageOverTcpGoesOnAConnectionAndIsNotRetransmitted()
    {
        await using ManagedServer s = await ManagedServer.StartAsync(Script("loadmodule \"proto_tcp.so\"\n"), tcp: true);
        string folder = SippRun.NewWorkFolder();
        try
        {
            int port = Ports.FreeUdpPort();
            Task<SippResult> uas = Callee(folder, "Tm/uas-message.xml", port, "t1");
            await WaitTcpListeningAsync(port, uas);
            JsonNode result = (await s.MiAsync("t_uac_dlg", new JsonObject
            {
                ["method"] = "MESSAGE",
                ["ruri"] = $"sip:uas@127.0.0.1:{port};transport=tcp",
                ["headers"] = Headers,
                ["body"] = "over tcp",
            }))!;
            Assert.Equal("200 OK", (string)result["Status"]!);
            Assert.StartsWith("Via: SIP/2.0/TCP 127.0.0.1:", (string)result["Message"]!, StringComparison.Ordinal);
            SippResult callee = await uas;
            Assert.True(callee.Run.ExitCode == 0, callee.ToString());
            Assert.Equal(0, await s.StatAsync("tm:retransmissions_sent"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task BadParametersGetJsonRpcOrOpenSipsErrorCodes()
    {
        (string Parameters, int Code, string Message)[] cases =
        [
            ("""["MESSAGE","sip:a@127.0.0.1","From: <sip:a@b>\r\nTo: <sip:c@d>\r\n"]""", -32602, "named parameters only"),
            ("""{"method":"MESSAGE","ruri":"sip:a@127.0.0.1"}""", -32602, "Invalid params"),
            ("""{"method":"MESSAGE","ruri":"not a uri","headers":"From: <sip:a@b>\r\nTo: <sip:c@d>\r\n"}""", 400, "Invalid ruri"),
            ("""{"method":"MESSAGE","ruri":"sip:a@127.0.0.1","next_hop":"x:y:z","headers":"From: <sip:a@b>\r\nTo: <sip:c@d>\r\n"}""", 400, "Invalid next_hop"),
            ("""{"method":"MESSAGE","ruri":"sip:a@127.0.0.1","headers":"From: <sip:a@b>\r\n"}""", 400, "To missing"),
            ("""{"method":"MESSAGE","ruri":"sip:a@127.0.0.1","headers":"To: <sip:c@d>\r\n"}""", 400, "From missing"),
            ("""{"method":"MESSAGE","ruri":"sip:a@127.0.0.1","headers":"From: <sip:a@b>\r\nTo: <sip:c@d>\r\nCSeq: 5 OPTIONS\r\n"}""", 400, "CSeq method mismatch"),
            ("""{"method":"MESSAGE","ruri":"sip:a@127.0.0.1","headers":"From: <sip:a@b>\r\nTo: <sip:c@d>\r\nCSeq: x MESSAGE\r\n"}""", 400, "Bad CSeq number"),
            ("""{"method":"MESSAGE","ruri":"sip:a@127.0.0.1","headers":"From: <sip:a@b>\r\nTo: <sip:c@d>\r\n","body":"hi"}""", 400, "Content-Type missing"),
            ("""{"method":"MESSAGE","ruri":"sip:a@127.0.0.1","headers":"From: <sip:a@b>\r\nTo: <sip:c@d>\r\nno colon here\r\n"}""", 400, "Bad headers"),
            ("""{"method":"MESSAGE","ruri":"sip:a@127.0.0.1","socket":"udp:10.9.9.9:5060","headers":"From: <sip:a@b>\r\nTo: <sip:c@d>\r\n"}""", 404, "Local socket not found"),
            ("""{"method":"MESSAGE","ruri":"sip:a@127.0.0.1","socket":"udp:nowhere:x","headers":"From: <sip:a@b>\r\nTo: <sip:c@d>\r\n"}""", 404, "Invalid local socket"),
        ];
        await using ManagedServer s = await ManagedServer.StartAsync(Script(), workers: 1);
        foreach ((string parameters, int code, string message) in cases)
        {
            JsonObject answer = await s.RawMiAsync("{\"jsonrpc\":\"2.0\",\"method\":\"t_uac_dlg\",\"params\":" + parameters + ",\"id\":3}");
            JsonNode error = answer["error"] ?? throw new InvalidOperationException(parameters + " answered " + answer.ToJsonString());
            Assert.True(code == (int)error["code"]! && ((string)error["message"]!).Contains(message, StringComparison.Ordinal), parameters + " answered " + error.ToJsonString());
        }

        Assert.Equal(0, await s.StatAsync("tm:UAC_transactions"));
    }

    /// <summary>Waits (bounded) until the SIPp callee listens on TCP <paramref name="port"/> (read from the kernel's table, no connection made).</summary>
    private static async Task WaitTcpListeningAsync(int port, Task<SippResult> uas)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!System.Net.NetworkInformation.IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Any(e => e.Port == port))
        {
            Assert.False(uas.IsCompleted, "the SIPp callee exited before it was listening\n" + (uas.IsCompleted ? (await uas).ToString() : ""));
            Assert.True(DateTime.UtcNow < deadline, $"the SIPp callee did not listen on TCP {port} within 10 s");
            await Task.Delay(20); // polling interval of a bounded wait
        }
    }

    private static async Task<long> WaitInUseAsync(ManagedServer s, long expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15); // wt_timer (5 s) frees it
        long value;
        while ((value = await s.StatAsync("tm:inuse_transactions")) != expected && DateTime.UtcNow < deadline)
            await Task.Delay(50); // polling interval of a bounded wait
        return value;
    }
}
