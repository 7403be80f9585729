using Hyperproxy.Modules;
using Hyperproxy.Sip;
using Hyperproxy.Tests.Tm;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;
using Row = Hyperproxy.Tests.Dispatcher.DispatcherTable.Row;

namespace Hyperproxy.Tests.Dispatcher;

/// <summary>
/// ds_select_dst through t_relay on one worker (TmHarness): which destination each algorithm picks over many calls,
/// weights, priorities, inactive destinations, the failover list in a failure_route, ds_mark_dst and ds_is_in_list.
/// </summary>
public sealed class DispatcherSelectionTests : IDisposable
{
    private static readonly NetAddress A = NetAddress.FromIPv4(127, 0, 0, 2, 5070);
    private static readonly NetAddress B = NetAddress.FromIPv4(127, 0, 0, 3, 5070);
    private static readonly NetAddress C = NetAddress.FromIPv4(127, 0, 0, 4, 5070);

    private readonly DispatcherTable _table = new(
        new Row(1, "sip:127.0.0.2:5070", Description: "uas1"),
        new Row(1, "sip:127.0.0.3:5070", Description: "uas2"),
        new Row(1, "sip:127.0.0.4:5070", Description: "uas3"));

    public void Dispose() => _table.Dispose();

    private string Script(string select, string failure = "") =>
        TmHarness.Head + "loadmodule \"dispatcher.so\"\n"
        + $"modparam(\"dispatcher\", \"db_url\", \"{_table.DbUrl}\")\n"
        + "route {\n  t_on_failure(\"ds\");\n"
        + $"  if (!{select}) {{ t_reply(503, \"No Destination\"); exit; }}\n  t_relay();\n}}\n"
        + "failure_route[ds] {\n" + failure + "}\n";

    private static string Invite(int i, string user = "bob", string from = "alice", string extra = "") =>
        $"INVITE sip:{user}@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-c{i};rport\r\n"
        + $"Max-Forwards: 70\r\nFrom: <sip:{from}@example.com>;tag=a1\r\nTo: <sip:{user}@example.com>\r\n"
        + $"Call-ID: call-{i}@uac\r\nCSeq: 1 INVITE\r\n{extra}Contact: <sip:alice@127.0.0.9:40000>\r\nContent-Length: 0\r\n\r\n";

    private static Sent Forwarded(Sent[] sent) => Assert.Single(sent, s => s.StartLine.StartsWith("INVITE ", StringComparison.Ordinal));

    /// <summary>Calls through the proxy; how many went to A, B, C.</summary>
    private static int[] Spread(TmHarness tm, int calls, Func<int, string> invite)
    {
        var counts = new int[3];
        for (int i = 0; i < calls; i++)
        {
            NetAddress to = Forwarded(tm.Send(invite(i))).Destination;
            counts[to == A ? 0 : to == B ? 1 : to == C ? 2 : throw new InvalidOperationException($"sent to {to}")]++;
        }

        return counts;
    }

    private static void AssertEven(int[] counts, int calls)
    {
        foreach (int n in counts)
        {
            Assert.InRange(n, calls * 28 / 100, calls * 39 / 100);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(6)]
    public void HashAndRandomAlgorithmsSpreadTenThousandCallsEvenly(int alg)
    {
        using var tm = new TmHarness(Script($"ds_select_dst(1, {alg})"));
        // Vary exactly what the algorithm hashes: Call-ID (0), From user (1), To and R-URI user (2, 3).
        int[] counts = Spread(tm, 10_000, i => Invite(i, user: alg is 2 or 3 ? $"u{i}" : "bob", from: alg == 1 ? $"f{i}" : "alice"));
        AssertEven(counts, 10_000);
    }

    [Fact]
    public void HashOverCallIdSendsTheSameCallToTheSameDestination()
    {
        using var tm = new TmHarness(Script("ds_select_dst(1, 0)"));
        NetAddress first = Forwarded(tm.Send(Invite(7))).Destination;
        string again = Invite(7).Replace("branch=z9hG4bK-c7", "branch=z9hG4bK-other", StringComparison.Ordinal);
        Assert.Equal(first, Forwarded(tm.Send(again)).Destination);
    }

    [Fact]
    public void HashOverFromUserOnlyIgnoresTheHost()
    {
        using var tm = new TmHarness(Script("ds_select_dst(1, 1, \"u\")"));
        var seen = new HashSet<NetAddress>();
        for (int i = 0; i < 50; i++)
        {
            seen.Add(Forwarded(tm.Send(Invite(i).Replace("<sip:alice@example.com>", $"<sip:alice@host{i}.example.com>", StringComparison.Ordinal))).Destination);
        }

        Assert.Single(seen);
    }

    [Fact]
    public void RoundRobinTakesTurns()
    {
        using var tm = new TmHarness(Script("ds_select_dst(1, 4)"));
        Assert.Equal([3334, 3333, 3333], Spread(tm, 10_000, i => Invite(i)));
    }

    [Fact]
    public void AuthorizationUsernameHashesTheUserAndFallsBackToRoundRobin()
    {
        using var tm = new TmHarness(Script("ds_select_dst(1, 5)"));
        string auth(int i) => $"Proxy-Authorization: Digest username=\"user{i % 300}\", realm=\"r\", nonce=\"n\", uri=\"sip:bob@example.com\", response=\"00\"\r\n";
        AssertEven(Spread(tm, 6_000, i => Invite(i, extra: auth(i))), 6_000);
        NetAddress one = Forwarded(tm.Send(Invite(90_001, extra: auth(5)))).Destination;
        Assert.Equal(one, Forwarded(tm.Send(Invite(90_002, extra: auth(5)))).Destination);
        Assert.Equal([1000, 1000, 1000], Spread(tm, 3_000, i => Invite(100_000 + i)));
    }

    [Fact]
    public void FirstAvailablePicksTheHighestPriority()
    {
        _table.Write(new Row(1, "sip:127.0.0.2:5070"), new Row(1, "sip:127.0.0.3:5070", Priority: 10), new Row(1, "sip:127.0.0.4:5070"));
        using var tm = new TmHarness(Script("ds_select_dst(1, 8)"));
        Assert.Equal([0, 100, 0], Spread(tm, 100, i => Invite(i)));
    }

    [Fact]
    public void WeightsShapeRoundRobinAndHashes()
    {
        _table.Write(new Row(1, "sip:127.0.0.2:5070", Weight: 1), new Row(1, "sip:127.0.0.3:5070", Weight: 2), new Row(1, "sip:127.0.0.4:5070", Weight: 1));
        using (var rr = new TmHarness(Script("ds_select_dst(1, 4)")))
        {
            Assert.Equal([1000, 2000, 1000], Spread(rr, 4_000, i => Invite(i)));
        }

        using var hash = new TmHarness(Script("ds_select_dst(1, 0)"));
        int[] counts = Spread(hash, 8_000, i => Invite(i));
        Assert.InRange(counts[1], 3_600, 4_400);
        Assert.InRange(counts[0], 1_600, 2_400);
    }

    [Fact]
    public void InactiveAndProbingDestinationsAreSkipped()
    {
        _table.Write(new Row(1, "sip:127.0.0.2:5070", State: 1), new Row(1, "sip:127.0.0.3:5070"), new Row(1, "sip:127.0.0.4:5070", State: 2));
        foreach (int alg in new[] { 0, 4, 6, 8 })
        {
            using var tm = new TmHarness(Script($"ds_select_dst(1, {alg})"));
            Assert.Equal([0, 300, 0], Spread(tm, 300, i => Invite(i)));
        }
    }

    [Fact]
    public void NoActiveDestinationOrUnknownSetReturnsMinusOne()
    {
        _table.Write(new Row(1, "sip:127.0.0.2:5070", State: 1));
        using var tm = new TmHarness(Script("ds_select_dst(1, 4)"));
        Assert.Contains(tm.Send(Invite(1)), s => s.StartLine == "SIP/2.0 503 No Destination");
        using var unknown = new TmHarness(Script("ds_select_dst(9, 4)"));
        Assert.Contains(unknown.Send(Invite(1)), s => s.StartLine == "SIP/2.0 503 No Destination");
    }

    [Fact]
    public void DefaultFlagKeepsTheLastEntryAsLastResort()
    {
        using var tm = new TmHarness(Script("ds_select_dst(1, 4, \"d\")"));
        Assert.Equal([50, 50, 0], Spread(tm, 100, i => Invite(i)));
        _table.Write(new Row(1, "sip:127.0.0.2:5070", State: 1), new Row(1, "sip:127.0.0.3:5070", State: 1), new Row(1, "sip:127.0.0.4:5070"));
        using var last = new TmHarness(Script("ds_select_dst(1, 4, \"d\")"));
        Assert.Equal([0, 0, 10], Spread(last, 10, i => Invite(i)));
    }

    [Fact]
    public void FailoverListContinuesInTheFailureRouteUntilExhausted()
    {
        using var tm = new TmHarness(Script("ds_select_dst(1, 8, \"f\")",
            "  if (t_check_status(\"5[0-9][0-9]\") && ds_next_dst()) { t_on_failure(\"ds\"); t_relay(); exit; }\n"));
        Sent first = Forwarded(tm.Send(Invite(1)));
        Assert.Equal(A, first.Destination);
        Sent second = Forwarded(tm.Send(TmHarness.ResponseTo(first, 503, "Busy Here"), A));
        Assert.Equal(B, second.Destination);
        Sent third = Forwarded(tm.Send(TmHarness.ResponseTo(second, 500, "Oops"), B));
        Assert.Equal(C, third.Destination);
        Sent[] last = tm.Send(TmHarness.ResponseTo(third, 503, "Down"), C);
        // Every branch failed: the best final goes up (5xx other than 503 first, RFC 3261 §16.7 as tm ranks them).
        Assert.Contains(last, s => s.StartLine == "SIP/2.0 500 Oops" && s.Destination == TmHarness.Uac);
    }

    [Fact]
    public void FailoverVariablesHoldTheListGroupAndCount()
    {
        using var tm = new TmHarness(TmHarness.Head + "loadmodule \"dispatcher.so\"\n"
            + $"modparam(\"dispatcher\", \"db_url\", \"{_table.DbUrl}\")\nmodparam(\"dispatcher\", \"attrs_avp\", \"$avp(ds_attrs)\")\n"
            + "route {\n  ds_select_dst(1, 8, \"f\", \"default\", 2);\n"
            + "  append_hf(\"X-Ds: $avp(ds_dst_failover) $(avp(ds_dst_failover)[1]) $avp(ds_grp_failover) $avp(ds_cnt_failover) $du\\r\\n\");\n  t_relay();\n}\n");
        Sent sent = Forwarded(tm.Send(Invite(1)));
        Assert.Equal(["sip:127.0.0.2:5070 sip:127.0.0.3:5070 1 2 sip:127.0.0.2:5070"], sent.Headers("X-Ds"));
    }

    [Fact]
    public void MarkedInactiveInTheFailureRouteIsSkippedByLaterCalls()
    {
        using var tm = new TmHarness(Script("ds_select_dst(1, 8, \"f\")",
            "  if (t_check_status(\"503\")) { ds_mark_dst(\"i\"); if (ds_next_dst()) { t_relay(); } }\n"));
        Sent first = Forwarded(tm.Send(Invite(1)));
        Assert.Equal(B, Forwarded(tm.Send(TmHarness.ResponseTo(first, 503, "Down"), A)).Destination);
        Assert.Equal(B, Forwarded(tm.Send(Invite(2))).Destination);
    }

    [Fact]
    public void MarkProbingCountsFailuresUpToTheThreshold()
    {
        using var tm = new TmHarness(Script("ds_select_dst(1, 8, \"f\")", "  ds_mark_dst(\"p\");\n").Replace("route {", "modparam(\"dispatcher\", \"ds_probing_threshold\", 2)\nroute {", StringComparison.Ordinal));
        Sent first = Forwarded(tm.Send(Invite(1)));
        tm.Send(TmHarness.ResponseTo(first, 503, "Down"), A);
        Assert.Equal(A, Forwarded(tm.Send(Invite(2))).Destination);
        tm.Send(TmHarness.ResponseTo(Forwarded(tm.Send(Invite(3))), 503, "Down"), A);
        Assert.Equal(B, Forwarded(tm.Send(Invite(4))).Destination);
    }

    [Fact]
    public void SelectDomainRewritesTheRequestUriHostAndPort()
    {
        using var tm = new TmHarness(Script("ds_select_domain(1, 8)"));
        Sent sent = Forwarded(tm.Send(Invite(1)));
        Assert.Equal("INVITE sip:bob@127.0.0.2:5070 SIP/2.0", sent.StartLine);
        Assert.Equal(A, sent.Destination);
    }

    [Fact]
    public void CountWritesHowManyDestinationsAreInTheFilteredStates()
    {
        _table.Write(new Row(1, "sip:127.0.0.2:5070", State: 1), new Row(1, "sip:127.0.0.3:5070"), new Row(1, "sip:127.0.0.4:5070", State: 2));
        using var tm = new TmHarness(TmHarness.Head + "loadmodule \"dispatcher.so\"\n"
            + $"modparam(\"dispatcher\", \"db_url\", \"{_table.DbUrl}\")\n"
            + "route {\n  ds_count(1, \"a\", $var(a));\n  ds_count(1, \"ip\", $avp(ip));\n  ds_count(1, \"AIP\", $var(all));\n"
            + "  if (ds_count(7, \"a\", $var(none))) $var(a) = 99;\n  t_reply(200, \"$var(a) $avp(ip) $var(all)\");\n}\n");
        Assert.Contains(tm.Send(Invite(1)), s => s.StartLine == "SIP/2.0 200 1 2 3");
    }

    [Fact]
    public void IsInListMatchesAddressAndPort()
    {
        using var tm = new TmHarness(TmHarness.Head + "loadmodule \"dispatcher.so\"\n"
            + $"modparam(\"dispatcher\", \"db_url\", \"{_table.DbUrl}\")\n"
            + "route {\n  $var(r) = \"\";\n"
            + "  if (ds_is_in_list(\"127.0.0.3\", 5070)) $var(r) = $var(r) + \"a\";\n"
            + "  if (ds_is_in_list(\"127.0.0.3\", 0, 1)) $var(r) = $var(r) + \"b\";\n"
            + "  if (ds_is_in_list(\"127.0.0.3\", 5071)) $var(r) = $var(r) + \"c\";\n"
            + "  if (ds_is_in_list(\"127.0.0.3\", 5070, 2)) $var(r) = $var(r) + \"d\";\n"
            + "  if (ds_is_in_list(\"$si\", 0)) $var(r) = $var(r) + \"e\";\n"
            + "  t_reply(200, \"$var(r)\");\n}\n");
        Assert.Contains(tm.Send(Invite(1)), s => s.StartLine == "SIP/2.0 200 ab");
    }
}
