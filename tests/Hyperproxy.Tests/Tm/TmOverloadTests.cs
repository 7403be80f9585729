using System.Text;
using Hyperproxy.Testing;
using static Hyperproxy.Tests.Tm.TmHarness;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// A flood of INVITEs to a callee that never answers, against a small <c>max_transactions</c>: the table holds at most
/// that many, every INVITE beyond it is answered 503 (or dropped) and counted, rejecting allocates nothing, and once
/// the timers have run (Timer B's 408, Timer H, wt_timer) the table is empty and takes new calls again. Not timed: the
/// clock is the harness's.
/// </summary>
public sealed class TmOverloadTests
{
    private const int Limit = 32;
    private const int Round = 1000;

    private static string Script(string policy) => Head
        + $"modparam(\"tm\", \"max_transactions\", {Limit})\nmodparam(\"tm\", \"full_table_policy\", \"{policy}\")\n"
        + "modparam(\"tm\", \"overload_transactions_threshold\", 100)\n"
        + "route {\n  $du = \"sip:127.0.0.2:5070\";\n  t_relay();\n}\n";

    /// <summary>Distinct INVITEs (branch and Call-ID of their own), as datagrams, made before anything is measured.</summary>
    private static byte[][] Invites(int count, int first) =>
        Enumerable.Range(first, count).Select(i => Encoding.ASCII.GetBytes(Invite($"z9hG4bK-f{i}", $"flood-{i}@uac"))).ToArray();

    /// <summary>Sends <paramref name="invites"/>[from..from+count) and counts what went out: 503s to the caller, INVITEs to the callee.</summary>
    private static (int Rejected, int Forwarded, int Other) Flood(TmHarness tm, byte[][] invites, int from, int count)
    {
        int rejected = 0, forwarded = 0, other = 0;
        for (int i = from; i < from + count; i++)
        {
            tm.Outgoing.Clear();
            tm.Proxy.Process(invites[i], 0, invites[i].Length, Uac, 0, tm.Outgoing);
            for (int s = 0; s < tm.Outgoing.Count; s++)
            {
                ReadOnlySpan<byte> p = tm.Outgoing.Payload(s);
                if (p.StartsWith("SIP/2.0 503 "u8))
                {
                    rejected++;
                }
                else if (p.StartsWith("INVITE "u8))
                {
                    forwarded++;
                }
                else if (!p.StartsWith("SIP/2.0 100 "u8))
                {
                    other++;
                }
            }
        }

        return (rejected, forwarded, other);
    }

    [Fact]
    public void AFloodBeyondMaxTransactionsIsAnswered503WithoutAllocatingAndTheTableEmptiesAfterTheTimers()
    {
        using var tm = new TmHarness(Script("reply"));
        byte[][] invites = Invites(5 * Round, 0);
        (int rejected, int forwarded, int other) = Flood(tm, invites, 0, Round);
        Assert.Equal(Limit, forwarded);
        Assert.Equal(Round - Limit, rejected);
        Assert.Equal(0, other);
        Assert.Equal(Limit, tm.Table.Count);
        Assert.Equal(Round - Limit, tm.Counters.TmTableFull);

        // A full table turns INVITEs away without allocating (the hot path of an overload).
        int next = Round;
        long allocated = Allocations.Least(() =>
        {
            Flood(tm, invites, next, Round);
            next += Round;
        });
        Assert.Equal(0, allocated);
        Assert.Equal(Limit, tm.Table.Count);
        Assert.True(tm.Table.Created <= Limit, $"{tm.Table.Created} slots made");

        // Timer B (fr_timeout 5 s): 408 upstream; no ACK comes, Timer H (fr_timeout) and then wt_timer free every one.
        var late = tm.Run(20_000, 100);
        Assert.Contains(late, s => s.StartLine == "SIP/2.0 408 Request Timeout");
        Assert.Equal(0, tm.Table.Count);
        Assert.Equal(0, tm.Counters.TmInUse);

        // Room again: the next INVITE is relayed.
        (_, int again, _) = Flood(tm, invites, next, 1);
        Assert.Equal(1, again);
    }

    [Fact]
    public void WithTheDropPolicyAFloodBeyondMaxTransactionsIsDroppedSilentlyAndCounted()
    {
        using var tm = new TmHarness(Script("drop"));
        byte[][] invites = Invites(Round, 0);
        (int rejected, int forwarded, int other) = Flood(tm, invites, 0, Round);
        Assert.Equal(Limit, forwarded);
        Assert.Equal(0, rejected);
        Assert.Equal(0, other);
        Assert.Equal(Round - Limit, tm.Counters.TmTableFull);
        tm.Run(20_000, 100);
        Assert.Equal(0, tm.Table.Count);
    }
}
