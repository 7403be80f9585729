using System.Globalization;
using System.Net;
using System.Text;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Tm;

/// <summary>
/// The tm call flows of RFC 3261 §16/§17 with SIPp peers on loopback: a SIPp caller sends every
/// message to the proxy (-rsa), the Request-URI names the first SIPp callee, and the proxy runs a tm
/// script (t_relay, record_route/loose_route, t_on_failure with a failure_route using
/// t_check_status / t_was_cancelled, append_branch for parallel forking) with fr_timeout 3 s and
/// fr_inv_timeout 5 s. Each case asserts what every SIPp saw: its exit code (0 = every call went
/// through its scenario) and the per-step message and retransmission counts of its final screen.
/// The same cases run against Kamailio 5.6 (<see cref="KamailioTmTests"/>), which proves the
/// scenarios, and against Hyperproxy (<see cref="HyperproxyTmTests"/>).
/// </summary>
public abstract class TmScenarioTests
{
    private const int SippTimeoutSeconds = 30;

    /// <summary>Starts the proxy under test; <paramref name="callee2Port"/> is where its script sends the second branch.</summary>
    private protected abstract Task<ITmProxy> StartProxyAsync(string folder, int callee2Port);

    [Fact]
    public async Task FullCallsGoThroughWithTheirAckAndByeAlongTheRecordRoute()
    {
        TmRun run = await RunAsync("call", "uac-call.xml", "uas-answer.xml", calls: 10);

        run.AssertAllSucceeded(10);
        Assert.Equal(10, SippScreen.Step(run.Caller.Screen, "100").Messages);
        Assert.Equal(10, SippScreen.Step(run.Caller.Screen, "180").Messages);
        Assert.Equal(0, SippScreen.Step(run.Caller.Screen, "INVITE").Retransmissions);
        foreach (string step in new[] { "INVITE", "ACK", "BYE" })
        {
            Assert.True(SippScreen.Step(run.Callee.Screen, step).Messages == 10, $"callee {step}\n{run}");
        }
    }

    [Fact]
    public async Task ACancelAfter180IsAnswered200TheCalleeGetsItAndTheCallerGets487()
    {
        TmRun run = await RunAsync("cancel", "uac-cancel.xml", "uas-ring-cancel.xml");

        run.AssertAllSucceeded(1);
        Assert.Equal(1, SippScreen.Step(run.Caller.Screen, "200").Messages);
        Assert.Equal(1, SippScreen.Step(run.Caller.Screen, "487").Messages);
        Assert.Equal(1, SippScreen.Step(run.Callee.Screen, "CANCEL").Messages);
        Assert.Equal(1, SippScreen.Step(run.Callee.Screen, "ACK").Messages);
    }

    [Fact]
    public async Task ACalleeThatRingsForeverIsCancelledAtFrInvTimeoutAndTheCallerGets408()
    {
        TmRun run = await RunAsync("noanswer", "uac-408.xml", "uas-ring-cancel.xml");

        run.AssertAllSucceeded(1);
        Assert.Equal(1, SippScreen.Step(run.Caller.Screen, "180").Messages);
        Assert.Equal(1, SippScreen.Step(run.Caller.Screen, "408").Messages);
        Assert.Equal(1, SippScreen.Step(run.Callee.Screen, "CANCEL").Messages);
        Assert.Equal(1, SippScreen.Step(run.Callee.Screen, "ACK").Messages);
    }

    [Fact]
    public async Task ACalleeThatNeverRepliesGetsTheInviteRetransmittedAndTheCallerGets408AtFrTimeout()
    {
        TmRun run = await RunAsync("silent", "uac-408.xml", "uas-silent.xml");

        run.AssertAllSucceeded(1);
        Assert.Equal(0, SippScreen.Step(run.Caller.Screen, "180").Messages);
        Assert.Equal(1, SippScreen.Step(run.Caller.Screen, "408").Messages);
        // Timer A: T1, then 2·T1 within fr_timeout (3 s): the callee sees the INVITE again.
        Assert.True(SippScreen.Step(run.Callee.Screen, "INVITE").Retransmissions >= 1, "callee INVITE retransmissions\n" + run);
    }

    [Fact]
    public async Task ABusyCalleeSendsTheCallThroughTheFailureRouteToTheSecondCallee()
    {
        TmRun run = await RunAsync("serial", "uac-call.xml", "uas-busy.xml", callee2: "uas-answer.xml");

        run.AssertAllSucceeded(1);
        // The 486 stays at the proxy (the caller's scenario has no place for it), which ACKs it hop by hop.
        Assert.Equal(1, SippScreen.Step(run.Callee.Screen, "486").Messages);
        Assert.Equal(1, SippScreen.Step(run.Callee.Screen, "ACK").Messages);
        Assert.Equal(1, SippScreen.Step(run.Callee2!.Screen, "INVITE").Messages);
        Assert.Equal(1, SippScreen.Step(run.Callee2.Screen, "BYE").Messages);
    }

    [Fact]
    public async Task ParallelForkingToTwoCalleesCancelsTheOneThatDidNotAnswer()
    {
        TmRun run = await RunAsync("parallel", "uac-call.xml", "uas-ring-cancel.xml", callee2: "uas-answer.xml");

        run.AssertAllSucceeded(1);
        Assert.Equal(1, SippScreen.Step(run.Caller.Screen, "200", 1).Messages);
        Assert.Equal(1, SippScreen.Step(run.Callee.Screen, "CANCEL").Messages);
        Assert.Equal(1, SippScreen.Step(run.Callee.Screen, "487").Messages);
        Assert.Equal(1, SippScreen.Step(run.Callee2!.Screen, "ACK").Messages);
        Assert.Equal(1, SippScreen.Step(run.Callee2.Screen, "BYE").Messages);
    }

    [Fact]
    public async Task ABranchRouteHeaderReachesOnlyTheCalleeOfItsOwnBranch()
    {
        // branch_route adds X-Branch: $T_branch_idx; each callee's scenario fails the call unless it sees its own index only.
        TmRun run = await RunAsync("branches", "uac-call.xml", "uas-ring-cancel-branch0.xml", callee2: "uas-answer-branch1.xml");

        run.AssertAllSucceeded(1);
        Assert.Equal(1, SippScreen.Step(run.Callee.Screen, "CANCEL").Messages);
        Assert.Equal(1, SippScreen.Step(run.Callee2!.Screen, "BYE").Messages);
    }

    [Fact]
    public async Task TReplicateRetransmitsTheCopyUntilAnsweredAndItsReplyNeverReachesTheCaller()
    {
        // The callee answers the copy 202 after 1.2 s; the caller, answered 200 by the proxy, fails on any later reply.
        TmRun run = await RunAsync("replicate", "uac-message-replicated.xml", "uas-message-slow.xml");

        run.AssertAllSucceeded(1);
        Assert.Equal(1, SippScreen.Step(run.Caller.Screen, "200").Messages);
        Assert.Equal(1, SippScreen.Step(run.Callee.Screen, "MESSAGE").Messages);
        Assert.True(SippScreen.Step(run.Callee.Screen, "MESSAGE").Retransmissions >= 1, "callee MESSAGE retransmissions\n" + run);
    }

    [Fact]
    public async Task ASlowCalleeGetsTheInviteRetransmittedByTheProxyWhichAnswered100()
    {
        TmRun run = await RunAsync("slow", "uac-call.xml", "uas-slow.xml");

        run.AssertAllSucceeded(1);
        Assert.True(SippScreen.Step(run.Callee.Screen, "INVITE").Retransmissions >= 1, "callee INVITE retransmissions\n" + run);
        Assert.Equal(1, SippScreen.Step(run.Caller.Screen, "100").Messages);
    }

    [Fact]
    public async Task ANegativeFinalIsRetransmittedToACallerWhoseAckIsLost()
    {
        TmRun run = await RunAsync("busy", "uac-486-ack-lost.xml", "uas-busy.xml");

        run.AssertAllSucceeded(1);
        // Timer G: the 486 comes again while no ACK arrives (every ACK of ours is lost on purpose).
        Assert.True(SippScreen.Step(run.Caller.Screen, "486").Retransmissions >= 1, "caller 486 retransmissions\n" + run);
        // Hop by hop: the proxy ACKed the callee's 486 at once, so the callee never retransmitted it.
        Assert.Equal(1, SippScreen.Step(run.Callee.Screen, "ACK").Messages);
        Assert.Equal(0, SippScreen.Step(run.Callee.Screen, "486").Retransmissions);
    }

    [Fact]
    public async Task CallsCompleteThroughRetransmissionsWhenBothSidesLosePackets()
    {
        const int Calls = 20;
        TmRun run = await RunAsync("lossy", "uac-call-lossy.xml", "uas-answer-lossy.xml", calls: Calls);

        run.AssertAllSucceeded(Calls);
        long retransmitted = SippScreen.Step(run.Caller.Screen, "INVITE").Retransmissions
            + SippScreen.Step(run.Caller.Screen, "BYE").Retransmissions
            + SippScreen.Step(run.Callee.Screen, "200", 1).Retransmissions;
        // 10-20% of about 60 transmissions are dropped: none lost at all would mean lost= did nothing.
        Assert.True(retransmitted > 0, "no retransmission at all\n" + run);
    }

    /// <summary>
    /// Starts the proxy and the callee(s), runs the caller (<paramref name="calls"/> calls at 10/s
    /// to user <paramref name="service"/> at the first callee), waits for the callees to finish.
    /// </summary>
    private async Task<TmRun> RunAsync(string service, string caller, string callee, int calls = 1, string? callee2 = null)
    {
        string folder = SippRun.NewWorkFolder();
        try
        {
            int[] ports = Ports.FreeUdpPorts(2);
            int callee1Port = ports[0], callee2Port = ports[1];
            await using ITmProxy proxy = await StartProxyAsync(folder, callee2Port);
            Task<SippResult> uas = StartCallee(folder, "callee", callee, callee1Port, calls);
            Task<SippResult>? uas2 = callee2 is null ? null : StartCallee(folder, "callee2", callee2, callee2Port, calls);
            await SippRun.WaitListeningAsync(callee1Port, uas);
            if (uas2 is not null)
            {
                await SippRun.WaitListeningAsync(callee2Port, uas2);
            }

            SippResult uac = await SippRun.RunAsync(folder, "caller", SippTimeoutSeconds,
                "-sf", SippRun.Scenario("Tm/" + caller),
                "127.0.0.1:" + Text(callee1Port),
                "-rsa", "127.0.0.1:" + Text(proxy.Port),
                "-s", service,
                "-i", "127.0.0.1",
                "-p", "0", // a port the system picks: no window for another test to take it
                "-m", Text(calls),
                "-r", "10",
                "-trace_msg", "-message_file", Path.Combine(folder, "caller.msg"));
            SippResult uasResult = await uas;
            SippResult? uas2Result = uas2 is null ? null : await uas2;
            return new TmRun(uac, uasResult, uas2Result, proxy.Log, Messages(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Task<SippResult> StartCallee(string folder, string name, string scenario, int port, int calls) =>
        SippRun.RunAsync(folder, name, SippTimeoutSeconds,
            "-sf", SippRun.Scenario("Tm/" + scenario),
            "-i", "127.0.0.1",
            "-p", Text(port),
            "-m", Text(calls),
            "-trace_msg", "-message_file", Path.Combine(folder, name + ".msg"));

    /// <summary>Every SIPp message trace of the run (for assertion messages), the tail of each.</summary>
    private static string Messages(string folder)
    {
        var all = new StringBuilder();
        foreach (string file in Directory.GetFiles(folder, "*.msg"))
        {
            string text = File.ReadAllText(file);
            all.Append("--- ").Append(Path.GetFileName(file)).Append('\n').Append(text.Length > 8000 ? text[^8000..] : text).Append('\n');
        }

        return all.ToString();
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>What the caller and the callee(s) of one case saw, and the proxy's log.</summary>
    private sealed record TmRun(SippResult Caller, SippResult Callee, SippResult? Callee2, string ProxyLog, string Messages)
    {
        public void AssertAllSucceeded(int calls)
        {
            Assert.True(Caller.Run.ExitCode == 0 && Caller.Successful == calls, "caller\n" + this);
            Assert.True(Callee.Run.ExitCode == 0 && Callee.Successful == calls, "callee\n" + this);
            if (Callee2 is not null)
            {
                Assert.True(Callee2.Run.ExitCode == 0 && Callee2.Successful == calls, "second callee\n" + this);
            }
        }

        public override string ToString() =>
            $"=== caller\n{Caller}\n=== callee\n{Callee}\n=== second callee\n{Callee2}\n=== proxy\n{Tail(ProxyLog)}\n=== messages\n{Messages}";

        private static string Tail(string s) => s.Length > 6000 ? s[^6000..] : s;
    }
}

/// <summary>The tm scenarios against Kamailio 5.6's tm (Scenarios/Tm/kamailio-tm.cfg): proves the scenarios themselves.</summary>
public sealed class KamailioTmTests : TmScenarioTests
{
    private protected override Task<ITmProxy> StartProxyAsync(string folder, int callee2Port) =>
        Task.FromResult(KamailioTmProxy.Start(folder, callee2Port));
}
