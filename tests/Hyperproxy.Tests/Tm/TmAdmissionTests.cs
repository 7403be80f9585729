using System.Text;
using Hyperproxy.Hosting;
using Hyperproxy.Testing;
using Hyperproxy.Transport;
using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// tm's admission control on the harness's manual clock: while the worker is behind (the kernel queue a receive left, as
/// <see cref="DatagramBatch.QueuedBytes"/> reports it) a new INVITE gets a stateless 503 with Retry-After and no
/// transaction, while replies, in-dialog requests, CANCEL, ACK and retransmissions of admitted calls go through; the
/// signal turns off again once the queue falls; the transaction watermark keeps slots for the requests of admitted calls.
/// </summary>
public sealed class TmAdmissionTests : IDisposable
{
    private const long Buffer = 8_000_000;
    private readonly TmHarness _tm = new();

    public void Dispose() => _tm.Dispose();

    /// <summary>A receive left <paramref name="percent"/> of the socket's buffer queued.</summary>
    private static void Backlog(TmHarness tm, int percent) => tm.Proxy.NoteBacklog(Buffer * percent / 100, Buffer);

    private Sent Admit(string branch, string callId)
    {
        Sent[] sent = _tm.Send(Invite(branch, callId));
        Assert.Equal(2, sent.Length);
        Assert.Equal("SIP/2.0 100 Giving it a try", sent[0].StartLine);
        Assert.Equal("INVITE sip:bob@example.com SIP/2.0", sent[1].StartLine);
        return sent[1];
    }

    [Fact]
    public void WhileBehindANewInviteGets503WithRetryAfterAndNoTransactionAndItsAckIsAbsorbed()
    {
        Backlog(_tm, 60);
        Assert.True(_tm.Proxy.TmOverloaded);
        Sent refused = Assert.Single(_tm.Send(Invite("z9hG4bK-new1", "new-1@uac")));
        Assert.Equal("SIP/2.0 503 Service Unavailable", refused.StartLine);
        Assert.Equal(Uac, refused.Destination);
        Assert.Equal(["5"], refused.Headers("Retry-After"));
        string toTag = refused.Headers("To")[0].Split(";tag=")[1];
        Assert.Equal(0, _tm.Table.Count);
        Assert.Equal(0, _tm.Counters.TmTransactions);
        Assert.Equal(1, _tm.Counters.TmOverloadRejected);
        Assert.Equal(1, _tm.Counters.TmOverloadEpisodes);
        Assert.Equal(1, _tm.Counters.TmOverloaded);

        // The hop-by-hop ACK of that 503 (same branch, our To tag) ends here, before the script and without a transaction.
        Assert.Empty(_tm.Send(Request("ACK", "z9hG4bK-new1", "new-1@uac", toTag: ";tag=" + toTag)));
        Assert.Equal(1, _tm.Counters.TmLocalAcksAbsorbed);
        Assert.Equal(0, _tm.Table.Count);
    }

    [Fact]
    public void WhileBehindRepliesRetransmissionsCancelAckAndInDialogRequestsOfAdmittedCallsGoThrough()
    {
        Sent answered = Admit("z9hG4bK-a1", "a-1@uac");
        Sent ringing = Admit("z9hG4bK-a2", "a-2@uac");
        Backlog(_tm, 75);
        Assert.True(_tm.Proxy.TmOverloaded);

        // Replies of admitted calls are relayed.
        Assert.Equal("SIP/2.0 180 Ringing", Assert.Single(_tm.Send(ResponseTo(ringing, 180, "Ringing"), Uas1)).StartLine);
        Assert.Equal("SIP/2.0 200 OK", Assert.Single(_tm.Send(ResponseTo(answered, 200, "OK"), Uas1)).StartLine);

        // A retransmission of an admitted INVITE is absorbed with its last reply, not refused.
        Sent again = Assert.Single(_tm.Send(Invite("z9hG4bK-a2", "a-2@uac")));
        Assert.Equal("SIP/2.0 180 Ringing", again.StartLine);

        // The end-to-end ACK of the 2xx and the BYE (To tag) are relayed.
        Sent ack = Assert.Single(_tm.Send(Request("ACK", "z9hG4bK-a1ack", "a-1@uac", toTag: ";tag=uas1")));
        Assert.Equal("ACK sip:bob@example.com SIP/2.0", ack.StartLine);
        Assert.Equal(Uas1, ack.Destination);
        Sent[] bye = _tm.Send(Request("BYE", "z9hG4bK-a1bye", "a-1@uac", cseq: 2, toTag: ";tag=uas1"));
        Assert.Equal("BYE sip:bob@example.com SIP/2.0", Assert.Single(bye).StartLine);

        // CANCEL of the ringing call: 200 upstream, CANCEL down.
        Sent[] cancel = _tm.Send(Request("CANCEL", "z9hG4bK-a2", "a-2@uac"));
        Assert.Contains(cancel, s => s.StartLine == "SIP/2.0 200 canceling");
        Assert.Contains(cancel, s => s.StartLine.StartsWith("CANCEL ", StringComparison.Ordinal) && s.Destination == Uas1);

        Assert.Equal(0, _tm.Counters.TmOverloadRejected);
        Assert.Equal(0, _tm.Counters.TmLocalAcksAbsorbed);
    }

    [Fact]
    public void TheSignalTurnsOffOnceTheQueueFallsUnderHalfTheThreshold()
    {
        Backlog(_tm, 49);
        Assert.False(_tm.Proxy.TmOverloaded); // under overload_queue_threshold (50 %)
        Admit("z9hG4bK-b1", "b-1@uac");
        Backlog(_tm, 50);
        Assert.True(_tm.Proxy.TmOverloaded);
        Backlog(_tm, 30);
        Assert.True(_tm.Proxy.TmOverloaded); // hysteresis: still behind above half the threshold
        Assert.Equal("SIP/2.0 503 Service Unavailable", Assert.Single(_tm.Send(Invite("z9hG4bK-b2", "b-2@uac"))).StartLine);
        Backlog(_tm, 24);
        Assert.False(_tm.Proxy.TmOverloaded);
        Admit("z9hG4bK-b3", "b-3@uac");

        // A receive that drained the queue (no backlog reported) ends it as well.
        Backlog(_tm, 90);
        Assert.True(_tm.Proxy.TmOverloaded);
        _tm.Proxy.NoteBacklog(0, 0);
        Assert.False(_tm.Proxy.TmOverloaded);
        Assert.Equal(0, _tm.Counters.TmOverloaded);
        Admit("z9hG4bK-b4", "b-4@uac");
        Assert.Equal(2, _tm.Counters.TmOverloadEpisodes);
        Assert.Equal(1, _tm.Counters.TmOverloadRejected);
    }

    [Fact]
    public void TheBacklogAReceiveReportsDecidesForTheWholeBatch()
    {
        var received = new DatagramBatch(4, 2048);
        var outgoing = new DatagramBatch(16, 2048);
        Fill(received, Invite("z9hG4bK-c1", "c-1@uac"));
        received.SetBacklog(Buffer * 3 / 4, Buffer);
        _tm.Proxy.Handle(received, outgoing);
        Assert.Equal(1, outgoing.Count);
        Assert.StartsWith("SIP/2.0 503 ", Encoding.ASCII.GetString(outgoing.Payload(0)), StringComparison.Ordinal);

        outgoing.Clear();
        Fill(received, Invite("z9hG4bK-c2", "c-2@uac")); // a receive that came back short: the queue is drained
        _tm.Proxy.Handle(received, outgoing);
        Assert.Equal(2, outgoing.Count);
        Assert.StartsWith("INVITE ", Encoding.ASCII.GetString(outgoing.Payload(1)), StringComparison.Ordinal);
    }

    private static void Fill(DatagramBatch batch, string message)
    {
        batch.Clear();
        byte[] bytes = Encoding.ASCII.GetBytes(message);
        bytes.CopyTo(batch.Buffer, 0); // slot 0
        batch.SetReceived(0, bytes.Length, Uac, 0);
    }

    [Fact]
    public void TheTransactionWatermarkRefusesNewInvitesButKeepsRoomForTheRequestsOfAdmittedCalls()
    {
        using var tm = new TmHarness(Head + "modparam(\"tm\", \"max_transactions\", 32)\nmodparam(\"tm\", \"overload_transactions_threshold\", 50)\n"
            + "route {\n  $du = \"sip:127.0.0.2:5070\";\n  t_relay();\n}\n");
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(2, tm.Send(Invite("z9hG4bK-w" + i, "w-" + i + "@uac")).Length);
        }

        Assert.Equal("SIP/2.0 503 Service Unavailable", Assert.Single(tm.Send(Invite("z9hG4bK-w16", "w-16@uac"))).StartLine);
        Assert.Equal(1, tm.Counters.TmOverloadRejected);
        Assert.Equal(0, tm.Counters.TmTableFull);
        Assert.False(tm.Proxy.TmOverloaded); // the queue signal is not involved

        // A BYE of an admitted call still gets its transaction and goes down.
        Sent bye = Assert.Single(tm.Send(Request("BYE", "z9hG4bK-wbye", "w-0@uac", cseq: 2, toTag: ";tag=uas1")));
        Assert.Equal("BYE sip:bob@example.com SIP/2.0", bye.StartLine);
        Assert.Equal(17, tm.Table.Count);
    }

    [Fact]
    public void WithTheDropPolicyARefusedInviteGetsNothing()
    {
        using var tm = new TmHarness(Head + "modparam(\"tm\", \"overload_policy\", \"drop\")\nroute {\n  $du = \"sip:127.0.0.2:5070\";\n  t_relay();\n}\n");
        Backlog(tm, 80);
        Assert.Empty(tm.Send(Invite("z9hG4bK-d1", "d-1@uac")));
        Assert.Equal(1, tm.Counters.TmOverloadRejected);
        Assert.Equal(0, tm.Table.Count);
    }

    [Fact]
    public void FarBehindARefusedInviteIsDroppedEvenUnderTheReplyPolicy()
    {
        Backlog(_tm, 90); // overload_drop_threshold
        Assert.Empty(_tm.Send(Invite("z9hG4bK-s1", "s-1@uac")));
        Backlog(_tm, 89);
        Assert.Equal("SIP/2.0 503 Service Unavailable", Assert.Single(_tm.Send(Invite("z9hG4bK-s2", "s-2@uac"))).StartLine);
        Assert.Equal(2, _tm.Counters.TmOverloadRejected);
        Assert.Equal(0, _tm.Table.Count);

        using var never = new TmHarness(Head + "modparam(\"tm\", \"overload_drop_threshold\", 100)\nroute {\n  $du = \"sip:127.0.0.2:5070\";\n  t_relay();\n}\n");
        Backlog(never, 100);
        Assert.Equal("SIP/2.0 503 Service Unavailable", Assert.Single(never.Send(Invite("z9hG4bK-s3", "s-3@uac"))).StartLine);
    }

    [Fact]
    public void RetryAfterZeroLeavesTheHeaderOut()
    {
        using var tm = new TmHarness(Head + "modparam(\"tm\", \"overload_retry_after\", 0)\nroute {\n  $du = \"sip:127.0.0.2:5070\";\n  t_relay();\n}\n");
        Backlog(tm, 80);
        Sent refused = Assert.Single(tm.Send(Invite("z9hG4bK-r1", "r-1@uac")));
        Assert.Equal("SIP/2.0 503 Service Unavailable", refused.StartLine);
        Assert.Empty(refused.Headers("Retry-After"));
    }

    [Fact]
    public void WithOverloadControlOffTheBacklogChangesNothing()
    {
        using var tm = new TmHarness(Head + "modparam(\"tm\", \"overload_control\", 0)\nroute {\n  $du = \"sip:127.0.0.2:5070\";\n  t_relay();\n}\n");
        Backlog(tm, 100);
        Assert.False(tm.Proxy.TmOverloaded);
        Assert.Equal(2, tm.Send(Invite("z9hG4bK-o1", "o-1@uac")).Length);
        Assert.Equal(0, tm.Counters.TmOverloadRejected);
    }

    [Fact]
    public void RefusingAFloodWhileBehindAllocatesNothing()
    {
        const int round = 1000;
        byte[][] invites = Enumerable.Range(0, 4 * round).Select(i => Encoding.ASCII.GetBytes(Invite("z9hG4bK-f" + i, "f-" + i + "@uac"))).ToArray();
        Backlog(_tm, 80);
        int next = 0;
        long allocated = Allocations.Least(() =>
        {
            for (int i = 0; i < round; i++, next++)
            {
                _tm.Outgoing.Clear();
                _tm.Proxy.Process(invites[next], 0, invites[next].Length, Uac, 0, _tm.Outgoing);
            }
        });
        Assert.Equal(0, allocated);
        Assert.True(next >= round);
        Assert.Equal(next, _tm.Counters.TmOverloadRejected);
        Assert.Equal(0, _tm.Table.Count);
        Assert.Equal(0, _tm.Table.Created);
    }

    [Theory]
    [InlineData("overload_queue_threshold", "0", "must be 1..100 (percent of the socket's receive buffer)")]
    [InlineData("overload_transactions_threshold", "101", "must be 1..100 (percent of max_transactions)")]
    [InlineData("overload_control", "2", "must be 0 or 1")]
    [InlineData("overload_drop_threshold", "0", "must be 1..100 (percent of the socket's receive buffer)")]
    [InlineData("overload_retry_after", "-1", "must be 0..86400 seconds (0: no Retry-After)")]
    [InlineData("overload_policy", "\"queue\"", "must be \"reply\" (503 Service Unavailable + Retry-After) or \"drop\"")]
    public void BadOverloadParametersStopStartUpAtTheirLine(string name, string value, string message)
    {
        string dir = Path.Combine(Path.GetTempPath(), "hp-tm-admission-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "hp.cfg");
            File.WriteAllText(file, "loadmodule \"tm.so\"\n" + $"modparam(\"tm\", \"{name}\", {value})\n" + "route {\n  t_relay();\n}\n");
            StartupException e = Assert.Throws<StartupException>(() => ScriptSetup.Load(file));
            Assert.Contains(file + ":2:1: modparam tm " + name + ": ", e.Message, StringComparison.Ordinal);
            Assert.Contains(message, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
