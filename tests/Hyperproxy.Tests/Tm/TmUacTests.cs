using System.Text.Json.Nodes;
using Hyperproxy.Modules.Tm;
using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Script.Management;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// tm's locally originated transactions (MI t_uac_dlg) on one worker with a manual clock: the request's layout, Timer E
/// (T1 doubling to T2, every T2 after a provisional), Timer F (fr_timeout → 408), the ACK of a negative INVITE final
/// (same branch), Timer C (CANCEL with NO_ANSWER, then 408), the ACK of a 2xx (its own branch, Contact, Route set),
/// UAC_transactions, the table empty after wt_timer, and OpenSIPS's checks of the parameters.
/// </summary>
public sealed class TmUacTests
{
    private const string Head = "loadmodule \"tm.so\"\nmodparam(\"tm\", \"fr_timeout\", 5)\nmodparam(\"tm\", \"fr_inv_timeout\", 30)\n"
        + "modparam(\"tm\", \"wt_timer\", 5)\nroute {\n  t_relay();\n}\n";

    private static TmHarness Harness() => new(Head, uac: identity => new UacHub(1, identity, null));

    private static TmUacCall Call(string method, string headers = "From: <sip:mi@hp>\r\nTo: <sip:uas@127.0.0.2>\r\n", string? body = null) =>
        new(method, "sip:uas@127.0.0.2:5070", headers + (body is null ? "" : "Content-Type: text/plain\r\n"), null, null, body);

    [Fact]
    public void ANonInviteRequestIsSentWithOurBranchAndGeneratedCallIdFromTagAndCSeq()
    {
        using TmHarness h = Harness();
        Task<JsonNode?> answer = h.UacHub!.Start(Call("MESSAGE", body: "hi"));
        Sent request = Assert.Single(h.Tick(0));

        Assert.Equal("MESSAGE sip:uas@127.0.0.2:5070 SIP/2.0", request.StartLine);
        Assert.Equal(TmHarness.Uas1, request.Destination);
        Assert.StartsWith("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtm", request.Headers("Via")[0], StringComparison.Ordinal);
        Assert.Equal("70", request.Headers("Max-Forwards")[0]);
        Assert.Matches("^<sip:mi@hp>;tag=[0-9a-f]{16}$", request.Headers("From")[0]);
        Assert.Equal("<sip:uas@127.0.0.2>", request.Headers("To")[0]);
        Assert.EndsWith("@127.0.0.1", request.Headers("Call-ID")[0], StringComparison.Ordinal);
        Assert.Equal("10 MESSAGE", request.Headers("CSeq")[0]);
        Assert.Equal("text/plain", request.Headers("Content-Type")[0]);
        Assert.EndsWith("\r\n\r\nhi", request.Text, StringComparison.Ordinal);
        Assert.Equal(1, h.Counters.TmUacTransactions);
        Assert.Equal(0, h.Counters.TmTransactions);
        Assert.False(answer.IsCompleted);
    }

    [Fact]
    public async Task TimerERetransmitsAtT1DoublingToT2AndTimerFAnswers408()
    {
        using TmHarness h = Harness();
        Task<JsonNode?> answer = h.UacHub!.Start(Call("OPTIONS"));
        Sent first = Assert.Single(h.Tick(0));
        var times = new List<int>();
        for (int t = 10; t <= 5000; t += 10)
        {
            foreach (Sent s in h.Tick(10))
            {
                Assert.Equal(first.Text, s.Text); // byte for byte
                times.Add(t);
            }
        }

        // 500, 1500, 3500 (T1, 2·T1, 4·T1 = T2 cap 4000 not reached before fr_timeout 5 s)
        Assert.Equal([500, 1500, 3500], times.Select(t => (t + 20) / 500 * 500).ToArray());
        await answer.WaitAsync(TimeSpan.FromSeconds(10)); // completed off the worker
        Assert.Equal("408 Request Timeout", (string)(await answer)!["Status"]!);
        Assert.Null((await answer)!["Message"]);
        Assert.Equal(1, h.Counters.TmTimeouts);
        h.Run(6000, 100);
        Assert.Equal(0, h.Table.Count);
    }

    [Fact]
    public async Task AProvisionalSlowsTimerEToT2AndTheFinalIsTheAnswerWithTheReply()
    {
        using TmHarness h = Harness();
        Task<JsonNode?> answer = h.UacHub!.Start(Call("MESSAGE"));
        Sent request = Assert.Single(h.Tick(0));
        Assert.Empty(h.Send(TmHarness.ResponseTo(request, 100, "Trying"), TmHarness.Uas1));
        Assert.Empty(h.Tick(3990));
        Assert.Single(h.Tick(10)); // T2 after the provisional
        Assert.False(answer.IsCompleted); // a provisional is never the answer
        Assert.Empty(h.Send(TmHarness.ResponseTo(request, 202, "Accepted"), TmHarness.Uas1)); // nothing goes upstream
        await answer.WaitAsync(TimeSpan.FromSeconds(10)); // completed off the worker
        Assert.Equal("202 Accepted", (string)(await answer)!["Status"]!);
        Assert.StartsWith("Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtm", (string)(await answer)!["Message"]!, StringComparison.Ordinal);
        Assert.Equal(1, h.Counters.TmFinal2xx);
        Assert.Empty(h.Run(5000, 100));
        Assert.Equal(0, h.Table.Count);
    }

    [Fact]
    public async Task ANegativeFinalToOurInviteIsAckedOnTheSameBranch()
    {
        using TmHarness h = Harness();
        Task<JsonNode?> answer = h.UacHub!.Start(Call("INVITE"));
        Sent invite = Assert.Single(h.Tick(0));
        Sent ack = Assert.Single(h.Send(TmHarness.ResponseTo(invite, 486, "Busy Here"), TmHarness.Uas1));
        Assert.Equal("ACK sip:uas@127.0.0.2:5070 SIP/2.0", ack.StartLine);
        Assert.Equal(invite.Headers("Via")[0], ack.Headers("Via")[0]);
        Assert.Equal("10 ACK", ack.Headers("CSeq")[0]);
        Assert.EndsWith(";tag=uas1", ack.Headers("To")[0], StringComparison.Ordinal);
        Assert.Equal("486 Busy Here", (string)(await answer)!["Status"]!);
    }

    [Fact]
    public async Task TimerCCancelsAnInviteThatOnlyRangAndAnswers408()
    {
        using TmHarness h = Harness();
        Task<JsonNode?> answer = h.UacHub!.Start(Call("INVITE"));
        Sent invite = Assert.Single(h.Tick(0));
        h.Send(TmHarness.ResponseTo(invite, 180, "Ringing"), TmHarness.Uas1);
        Assert.Empty(h.Tick(29_990)); // no retransmission of an INVITE after a provisional
        Sent cancel = Assert.Single(h.Tick(10));
        Assert.Equal("CANCEL sip:uas@127.0.0.2:5070 SIP/2.0", cancel.StartLine);
        Assert.Equal(invite.Headers("Via")[0], cancel.Headers("Via")[0]);
        Assert.Equal("SIP;cause=480;text=\"NO_ANSWER\"", cancel.Headers("Reason")[0]);
        Assert.Equal("408 Request Timeout", (string)(await answer)!["Status"]!);
        Sent ack = Assert.Single(h.Send(TmHarness.ResponseTo(invite, 487, "Request Terminated"), TmHarness.Uas1));
        Assert.StartsWith("ACK ", ack.StartLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A2xxToOurInviteIsAckedOnItsOwnBranchToTheContactThroughTheRouteSet()
    {
        using TmHarness h = Harness();
        Task<JsonNode?> answer = h.UacHub!.Start(Call("INVITE"));
        Sent invite = Assert.Single(h.Tick(0));
        string ok = TmHarness.ResponseTo(invite, 200, "OK").Replace("Content-Length: 0\r\n",
            "Record-Route: <sip:p2.example;lr>, <sip:p1.example;lr>\r\nContact: <sip:uas@10.0.0.7:5090>\r\nContent-Length: 0\r\n", StringComparison.Ordinal);
        Sent ack = Assert.Single(h.Send(ok, TmHarness.Uas1));
        Assert.Equal("ACK sip:uas@10.0.0.7:5090 SIP/2.0", ack.StartLine);
        Assert.Equal(invite.Headers("Via")[0].Replace("z9hG4bKtm", "z9hG4bKta", StringComparison.Ordinal), ack.Headers("Via")[0]);
        Assert.Equal("<sip:p1.example;lr>, <sip:p2.example;lr>", ack.Headers("Route")[0]);
        Assert.Equal(TmHarness.Uas1, ack.Destination);
        JsonNode result = (await answer)!;
        Assert.Equal("200 OK", (string)result["Status"]!);
        Assert.Equal("sip:uas@10.0.0.7:5090", (string)result["RURI"]!);
        Assert.Equal("sip:p1.example;lr", (string)result["Next-hop"]!);
        Assert.Equal(["<sip:p1.example;lr>", "<sip:p2.example;lr>"], ((JsonArray)result["Routes"]!).Select(r => (string)r!).ToArray());
        Assert.Single(h.Send(ok, TmHarness.Uas1)); // a retransmitted 2xx is ACKed again
    }

    [Fact]
    public void GivenCallIdFromTagCSeqAndNextHopAreKept()
    {
        using TmHarness h = Harness();
        h.UacHub!.Start(new TmUacCall("OPTIONS", "sip:x@example.com", "From: \"MI\" <sip:mi@hp>;tag=f1\\r\\nTo: <sip:x@example.com>\\r\\nCall-ID: given@here\\r\\nCSeq: 42 OPTIONS\\r\\nX-Where: !!\\r\\n",
            "sip:127.0.0.3:5070", null, null));
        Sent request = Assert.Single(h.Tick(0));
        Assert.Equal("OPTIONS sip:x@example.com SIP/2.0", request.StartLine);
        Assert.Equal(TmHarness.Uas2, request.Destination);
        Assert.Equal("\"MI\" <sip:mi@hp>;tag=f1", request.Headers("From")[0]);
        Assert.Equal("given@here", request.Headers("Call-ID")[0]);
        Assert.Equal("42 OPTIONS", request.Headers("CSeq")[0]);
        Assert.Equal("127.0.0.1:5060", request.Headers("X-Where")[0]);
    }

    [Theory]
    [InlineData("MESSAGE", "sip:a@127.0.0.2", null, null, "From: <sip:a@b>\r\nTo: <sip:c@d>\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n", "hello", 400, "Content-Length disallowed")]
    [InlineData("MESSAGE", "sip:a@127.0.0.2", null, null, "From: <sip:a@b>\r\nTo: <sip:c@d>\r\n", "hello", 400, "Content-Type missing")]
    [InlineData("MESSAGE", "sip:a@127.0.0.2", null, null, "From: garbage<\r\nTo: <sip:c@d>\r\n", null, 400, "Error in From")]
    [InlineData("MESSAGE", "tel:+123", null, null, "From: <sip:a@b>\r\nTo: <sip:c@d>\r\n", null, 400, "Invalid ruri")]
    [InlineData("ACK", "sip:a@127.0.0.2", null, null, "From: <sip:a@b>\r\nTo: <sip:c@d>\r\n", null, 400, "Invalid method")]
    [InlineData("MESSAGE", "sip:a@127.0.0.2", null, "udp:127.0.0.1:5999", "From: <sip:a@b>\r\nTo: <sip:c@d>\r\n", null, 404, "Local socket not found")]
    [InlineData("MESSAGE", "sip:a@127.0.0.2;transport=tcp", null, null, "From: <sip:a@b>\r\nTo: <sip:c@d>\r\n", null, 500, "No socket")]
    public void BadParametersAreRefusedWithOpenSipsCodes(string method, string ruri, string? nextHop, string? socket, string headers, string? body, int code, string text)
    {
        using TmHarness h = Harness();
        MiException e = Assert.Throws<MiException>(() => { _ = h.UacHub!.Start(new TmUacCall(method, ruri, headers, nextHop, socket, body)); });
        Assert.Equal(code, e.Code);
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
        Assert.Empty(h.Tick(0));
    }

    [Fact]
    public void TheGivenSocketIsUsed()
    {
        using TmHarness h = Harness();
        h.UacHub!.Start(new TmUacCall("OPTIONS", "sip:a@127.0.0.2:5070", "From: <sip:a@b>\r\nTo: <sip:c@d>\r\n", null, "udp:127.0.0.1:5060", null));
        Assert.Equal(0, Assert.Single(h.Tick(0)).Socket);
    }
}
